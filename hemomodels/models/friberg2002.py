"""Chemotherapy-induced myelosuppression (Friberg et al. 2002).

Drug-sensitive proliferating precursors (``Prol``) feed a chain of three maturation (transit)
compartments (``Transit1``–``Transit3``) that empty into the circulating cells (``Circ``).
Every step has the same rate constant :math:`k_{tr} = (n + 1)/\\mathrm{MTT} = 4/\\mathrm{MTT}`,
so the mean transit time from ``Prol`` to the blood is ``MTT``. The drug concentration
``Conc`` lowers proliferation linearly, :math:`E = \\mathrm{slope}\\cdot\\mathrm{Conc}`, and a
feedback term :math:`(\\mathrm{Circ_0}/\\mathrm{Circ})^{\\gamma}` speeds proliferation when
counts are low. With no drug every compartment stays at ``Circ0``: the baseline is a steady
state for every parameter value.

The paper fits the myelosuppression part on top of each drug's published pharmacokinetics
(PK). Here two PK variants are provided:

* :func:`friberg2002` — a one-compartment PK, ``Conc`` cleared at rate ``kel``. For docetaxel
  ``kel`` is the central elimination rate k10 = CL/V1 of Bruno et al. (1996); a
  one-compartment model with that rate has the same area under the central concentration
  curve (AUC = dose / CL) as the three-compartment model, which is what a linear drug effect
  integrates, but not the same shape.
* :func:`friberg2002_bruno1996` — the three-compartment docetaxel PK of Bruno et al. (1996),
  as used by a third-party reproduction of the paper's docetaxel figure.

Time is in hours, cell counts in 10^9 cells/L and concentrations in µM (µmol/L). Doses are
boluses into ``Conc`` (in µM, i.e. dose in µmol divided by the central volume in L); see
:func:`bolus_concentration`.

References
----------
Friberg LE, Henningsson A, Maas H, Nguyen L, Karlsson MO (2002). Model of
chemotherapy-induced myelosuppression with parameter consistency across drugs. *J Clin
Oncol* 20(24):4713–4721. (``friberg2002``)

Bruno R et al. (1996). A population pharmacokinetic model for docetaxel (Taxotere): model
building and validation. *J Pharmacokinet Biopharm* 24(2):153–172. (``bruno1996``)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sympy

from .. import rules
from ..doses import Infusion
from ..errors import invalid_value
from ..model import Model
from ..spec import Flow, Observable, Parameter, State
from ._registry import register

__all__ = [
    "DOCETAXEL_REGIMENS",
    "DRUGS",
    "KLOFT2006_OMEGA2",
    "at_baseline",
    "TYPICAL_BSA",
    "bolus_concentration",
    "friberg2002",
    "friberg2002_bruno1996",
    "infusion",
    "regimen",
]

# Audit trail of the values: radivot/myelo inst/doc/fribergPars02.R (docetaxel, Bruno's PK),
# nlmixr2lib inst/modeldb/ddmore/Friberg_2002_paclitaxel.R (paclitaxel) and
# Netterberg_2017_docetaxel.R (Kloft 2006 estimates), radivot/myelo friberg02Demo.R (volume).
_DOCETAXEL_NOTE = (
    "From the myelo R package's reproduction of Friberg et al. 2002 (docetaxel, neutrophils, "
    "linear drug model); not yet checked against the paper's table."
)
_PACLITAXEL_NOTE = (
    "From the nlmixr2lib implementation of the DDMORE model DDMODEL00000186 (paclitaxel, "
    "leukocytes), which cites the paper; not yet checked against the paper's table."
)
_BRUNO_NOTE = (
    "From the myelo R package, which cites Bruno et al. 1996 (clearance 38.5 L/h, central "
    "volume 7.4 L); not yet checked against the paper."
)


@dataclass(frozen=True)
class DrugValues:
    """Typical values of one drug's fit (see ``DRUGS``).

    Attributes
    ----------
    Circ0 : float
        Baseline count, 10^9 cells/L.
    MTT : float
        Mean transit time, h.
    gamma : float
        Feedback exponent (dimensionless).
    slope : float
        Linear drug effect, 1/µM.
    kel : float
        One-compartment elimination rate, 1/h.
    cells : str
        Which cells were fitted (``"neutrophils"`` or ``"leukocytes"``).
    system_note, kel_note : str
        Provenance of the system parameters and of ``kel``.
    molar_mass : float
        mg per µmol (= kg/mol).
    central_volume : float
        Central volume of distribution, L, used to convert a dose in mg into µM.
    volume_note : str
        Provenance of ``molar_mass`` and ``central_volume``.
    drug : str
        The drug's name.
    source : str
        ``references.bib`` key of the system parameters' fit.
    label : str
        The fit in words, for model names and charts.
    """

    Circ0: float
    MTT: float
    gamma: float
    slope: float
    kel: float
    cells: str
    system_note: str
    kel_note: str
    molar_mass: float
    central_volume: float
    volume_note: str
    drug: str = "docetaxel"
    source: str = "friberg2002"
    label: str = "Friberg 2002 estimates"


_KLOFT_NOTE = (
    "From the nlmixr2lib implementation of the DDMORE model DDMODEL00000224 (Netterberg et al. "
    "2017), whose estimates are those of Kloft et al. 2006 (baseline 5.21965 × 10⁹/L, MTT "
    "84.1791 h, slope 15.5711 L/µmol, γ 0.144543); not yet checked against Kloft et al. 2006."
)
_BRUNO_KEL_NOTE = (
    "Computed: the central elimination rate k₁₀ = CL/V₁ = 38.5/7.4 = 5.2 per hour of the "
    "three-compartment model of Bruno et al. 1996. In a one-compartment model it keeps the "
    "exposure (AUC), not the shape of the concentration curve: a simplification, not a "
    "published one-compartment value."
)
_DOCETAXEL_VOLUME_NOTE = (
    "V₁ = 7.4 L (Bruno et al. 1996) and 0.808 mg/µmol, as in the myelo R package's "
    "reproduction (200 mg → 200/0.808/7.4 = 33.5 µM)."
)


#: Typical parameter values by drug, with provenance.
DRUGS: dict[str, DrugValues] = {
    "docetaxel": DrugValues(
        Circ0=5.05,
        MTT=88.7,
        gamma=0.161,
        slope=8.58,
        kel=5.2,
        cells="neutrophils",
        system_note=_DOCETAXEL_NOTE,
        kel_note=_BRUNO_KEL_NOTE,
        molar_mass=0.808,
        central_volume=7.4,
        volume_note=_DOCETAXEL_VOLUME_NOTE,
    ),
    "docetaxel_kloft2006": DrugValues(
        Circ0=5.22,
        MTT=84.2,
        gamma=0.145,
        slope=15.57,
        kel=5.2,
        cells="neutrophils",
        system_note=_KLOFT_NOTE,
        kel_note=_BRUNO_KEL_NOTE,
        molar_mass=0.808,
        central_volume=7.4,
        volume_note=_DOCETAXEL_VOLUME_NOTE,
        source="kloft2006",
        label="Kloft 2006 docetaxel estimates",
    ),
    "paclitaxel": DrugValues(
        Circ0=7.21,
        MTT=124.0,
        gamma=0.239,
        slope=28.9,
        kel=0.98,
        cells="leukocytes",
        system_note=_PACLITAXEL_NOTE,
        kel_note=(
            "Illustrative, not from the literature: CL/V₁ = 285/290 per hour, from the medians "
            "of the per-subject estimates in the simulated DDMORE data set described with the "
            "nlmixr2lib implementation (the paper used a two-compartment model)."
        ),
        molar_mass=0.8539,
        central_volume=290.0,
        volume_note=(
            "Illustrative: molar mass 853.9 g/mol and a median central volume of about 290 L, "
            "as quoted with the nlmixr2lib implementation (simulated DDMORE data set)."
        ),
        drug="paclitaxel",
    ),
}


def _drug(drug: str) -> DrugValues:
    return DRUGS[rules.choice(drug, "drug", DRUGS, model="Friberg et al. 2002")]


def bolus_concentration(
    dose_mg: float, drug: str = "docetaxel", *, central_volume: float | None = None
) -> float:
    """Concentration (µM) right after an intravenous bolus of ``dose_mg`` milligrams.

    ``dose_mg / molar_mass / central_volume``, with the drug's molar mass (mg/µmol) and
    central volume (L) from ``DRUGS``. For docetaxel, 200 mg gives 33.4 µM.

    Parameters
    ----------
    dose_mg : float
        Dose in mg (>= 0).
    drug : {"docetaxel", "paclitaxel"}
        Which drug's molar mass and volume to use.
    central_volume : float, optional
        Central volume in L (> 0) overriding the drug's value.

    Returns
    -------
    float
        Concentration in µM (µmol/L), the amount to give as a :class:`~hemomodels.Dose`
        into ``Conc``.

    Examples
    --------
    >>> round(bolus_concentration(200.0), 1)
    33.4
    """
    values = _drug(drug)
    dose_mg = rules.number(dose_mg, "dose_mg", low=0.0, unit="mg")
    volume = (
        values.central_volume
        if central_volume is None
        else rules.number(central_volume, "central_volume", low=0.0, low_open=True, unit="L")
    )
    concentration = dose_mg / values.molar_mass / volume
    if not math.isfinite(concentration):
        raise invalid_value(
            "central_volume", volume, "a volume for which dose / volume is a finite number", "L"
        )
    return concentration


#: Body-surface area (m²) of the typical adult patient: adults span about 1.7–1.9 m²; 1.8 m² is
#: the value of the radivot/myelo reproduction of Friberg 2002 (a convention, not a fit).
TYPICAL_BSA = 1.8

#: Docetaxel regimens of the product label (``taxotere``): dose (mg/m²) as a one-hour
#: intravenous infusion, and the days between doses.
DOCETAXEL_REGIMENS: dict[str, tuple[float, float]] = {
    "100 mg/m² every 3 weeks": (100.0, 21.0),
    "75 mg/m² every 3 weeks": (75.0, 21.0),
}


#: Between-patient variability (variance of the log, omega²) of the Kloft 2006 docetaxel
#: estimates (via the DDMORE transcription in nlmixr2lib; gamma's was fixed to 0 there).
KLOFT2006_OMEGA2: dict[str, float] = {"Circ0": 0.0640, "MTT": 0.0192, "slope": 0.1284}


def at_baseline(table: dict) -> dict:
    """A cohort table whose cell compartments start at each patient's own ``Circ0``.

    The model's cell compartments start at the default baseline; a patient with another
    ``Circ0`` must start there too, or the simulation begins out of equilibrium.

    Examples
    --------
    >>> table = at_baseline({"Circ0": [4.0, 6.0]})
    >>> table["Circ"], table["Prol"]
    ([4.0, 6.0], [4.0, 6.0])
    """
    values = list(table["Circ0"])
    cells = ("Prol", "Transit1", "Transit2", "Transit3", "Circ")
    return {**table, **{name: values for name in cells}}


def infusion(
    dose_mg_per_m2: float,
    *,
    bsa_m2: float = TYPICAL_BSA,
    start_h: float = 0.0,
    duration_h: float = 1.0,
    drug: str = "docetaxel",
) -> Infusion:
    """A dose as clinicians write it — mg per m² of body-surface area, given as a drip —
    turned into a zero-order :class:`~hemomodels.Infusion` into ``Conc`` (µM).

    The total amount is ``dose_mg_per_m2 × bsa_m2`` mg, converted to µM of the central
    volume as in :func:`bolus_concentration`; the infusion runs ``duration_h`` hours (the
    label's docetaxel infusion lasts one hour). Bruno et al.'s docetaxel clearance grows with
    body-surface area, so for docetaxel the exposure (AUC) per m² is about the same at any
    surface area.

    Parameters
    ----------
    dose_mg_per_m2 : float
        Dose in mg/m² (>= 0).
    bsa_m2 : float
        Body-surface area in m² (0.5–3); default ``TYPICAL_BSA`` (1.8 m²).
    start_h, duration_h : float
        Start (>= 0) and duration (> 0) of the infusion, in hours.
    drug : str
        A key of ``DRUGS`` (sets the molar mass and central volume).

    Examples
    --------
    >>> drip = infusion(100)  # 100 mg/m² over one hour, BSA 1.8 m²
    >>> drip.duration, round(drip.amount, 1)  # µM over the hour (180 mg / 0.808 / 7.4 L)
    (1.0, 30.1)
    """
    dose = rules.number(dose_mg_per_m2, "dose_mg_per_m2", low=0.0, unit="mg/m²")
    bsa = rules.number(bsa_m2, "bsa_m2", low=0.5, high=3.0, unit="m²")
    return Infusion(start_h, duration_h, "Conc", bolus_concentration(dose * bsa, drug))


def regimen(
    dose_mg_per_m2: float,
    *,
    every_days: float = 21.0,
    cycles: int = 4,
    bsa_m2: float = TYPICAL_BSA,
    duration_h: float = 1.0,
    drug: str = "docetaxel",
) -> list[Infusion]:
    """``cycles`` one-hour infusions of ``dose_mg_per_m2`` every ``every_days`` days.

    Examples
    --------
    >>> [drip.start / 24 for drip in regimen(75, every_days=21, cycles=3)]  # days
    [0.0, 21.0, 42.0]
    """
    every = rules.number(every_days, "every_days", low=0.0, low_open=True, unit="day")
    count = rules.integer(cycles, "cycles", low=1, high=100, unit="cycles")
    return [
        infusion(
            dose_mg_per_m2,
            bsa_m2=bsa_m2,
            start_h=24.0 * every * k,
            duration_h=duration_h,
            drug=drug,
        )
        for k in range(count)
    ]


def _system(drug: str) -> tuple[DrugValues, list[State], list[Parameter]]:
    """The states and system parameters shared by both PK variants."""
    values = _drug(drug)
    cells = values.cells
    prol = State(
        "Prol",
        "Proliferating, drug-sensitive precursors in the marrow",
        "10^9 cells/L",
        initial=values.Circ0,
        latex=r"\mathrm{Prol}",
        label="Proliferating precursors",
    )
    transits = [
        State(
            f"Transit{i}",
            f"Maturing (non-dividing) precursors, transit stage {i}",
            "10^9 cells/L",
            initial=values.Circ0,
            latex=rf"\mathrm{{Transit}}_{i}",
            label=f"Maturing precursors, stage {i}",
        )
        for i in (1, 2, 3)
    ]
    circ = State(
        "Circ",
        f"Circulating {cells} in the blood",
        "10^9 cells/L",
        initial=values.Circ0,
        latex=r"\mathrm{Circ}",
        label=f"Blood {cells}",
    )
    parameters = [
        Parameter(
            "Circ0",
            values.Circ0,
            "10^9 cells/L",
            (0.0, 100.0),
            f"Baseline count of circulating {cells} before treatment",
            values.source,
            latex=r"\mathrm{Circ}_0",
            note=values.system_note,
            basis="published",
            low_inclusive=False,
            label="Baseline neutrophil count",
        ),
        Parameter(
            "MTT",
            values.MTT,
            "h",
            (0.0, 1000.0),
            "Mean transit time from proliferating precursors to the blood",
            values.source,
            latex=r"\mathrm{MTT}",
            note=values.system_note,
            basis="published",
            low_inclusive=False,
            label="Mean transit time",
        ),
        Parameter(
            "gamma",
            values.gamma,
            "1",
            (0.0, 1.0),
            "Feedback exponent: how strongly low counts speed up proliferation",
            values.source,
            latex=r"\gamma",
            note=values.system_note,
            basis="published",
            label="Feedback exponent",
        ),
        Parameter(
            "slope",
            values.slope,
            "1/µM",
            (0.0, 1000.0),
            "Linear drug effect: fractional drop in proliferation per µM of drug",
            values.source,
            latex=r"\mathrm{slope}",
            note=values.system_note,
            basis="published",
            label="Drug potency (slope)",
        ),
    ]
    return values, [prol, *transits, circ], parameters


def _assemble(
    name: str,
    drug: str,
    values: DrugValues,
    cells: list[State],
    parameters: list[Parameter],
    pk_states: list[State],
    pk_parameters: list[Parameter],
    pk_flows: list[Flow],
    description: str,
    gcsf: bool = False,
    pk_display: dict[State, sympy.Expr] | None = None,
) -> Model:
    prol, transit1, transit2, transit3, circ = cells
    by_name = {p.name: p.symbol for p in parameters}
    conc = pk_states[0].symbol
    transit_rate = Observable(
        "ktr",
        4 / by_name["MTT"],
        "1/h",
        "Transit rate constant (n + 1)/MTT with n = 3 transit compartments",
        latex=r"k_{tr}",
        label="Transit rate",
    )
    drug_effect = Observable(
        "drug_effect",
        by_name["slope"] * conc,
        "1",
        "Fractional reduction of proliferation by the drug (linear model)",
        latex=r"E_{\mathrm{drug}}",
        label="Drug effect",
    )
    feedback = Observable(
        "feedback",
        (by_name["Circ0"] / circ.symbol) ** by_name["gamma"],
        "1",
        "Feedback factor on proliferation (> 1 when counts are below baseline)",
        latex=r"F",
        label="Feedback factor",
    )
    count = Observable(
        "ANC" if values.cells == "neutrophils" else "WBC",
        circ.symbol,
        "10^9 cells/L",
        "Absolute neutrophil count (= Circ)"
        if values.cells == "neutrophils"
        else "White blood cell (leukocyte) count (= Circ)",
        latex=r"\mathrm{ANC}" if values.cells == "neutrophils" else r"\mathrm{WBC}",
        label="Neutrophil count" if values.cells == "neutrophils" else "White-cell count",
    )
    k = transit_rate.symbol
    observables = [transit_rate, drug_effect, feedback, count]
    extra_parameters: list[Parameter] = []
    maturation, stimulation = sympy.Integer(1), sympy.Integer(1)
    if gcsf:
        extra_parameters, gcsf_observables = _gcsf_support()
        observables += gcsf_observables
        stimulation, maturation = (o.symbol for o in gcsf_observables)
    chain = [prol, transit1, transit2, transit3, circ]
    flows = [
        Flow(chain[i], chain[i + 1], maturation * k * chain[i].symbol, "maturation step")
        for i in range(len(chain) - 1)
    ]
    flows.append(Flow(circ, None, k * circ.symbol, "loss of circulating cells"))
    flows.extend(pk_flows)
    rhs = {prol: stimulation * k * prol.symbol * (1 - drug_effect.symbol) * feedback.symbol}
    # the equations as the paper writes them: production, then loss; k_tr first
    faster = [maturation] if gcsf else []
    with sympy.evaluate(False):
        shown: dict[Any, sympy.Expr] = {
            prol: sympy.Mul(
                *([stimulation] if gcsf else []),
                k,
                prol.symbol,
                1 - drug_effect.symbol,
                feedback.symbol,
            )
            - sympy.Mul(*faster, k, prol.symbol),
            circ: sympy.Mul(*faster, k, transit3.symbol) - k * circ.symbol,
            drug_effect: by_name["slope"] * conc,
            **(pk_display or {}),
        }
        if gcsf:
            rise, on_proliferation, on_maturation = (p.symbol for p in extra_parameters)
            shown[stimulation] = sympy.Add(1, rise) ** on_proliferation
            shown[maturation] = sympy.Add(1, rise) ** on_maturation
        for before, after in zip(chain[:-2], chain[1:-1], strict=True):
            shown[after] = sympy.Mul(*faster, k, before.symbol) - sympy.Mul(
                *faster, k, after.symbol
            )
    return Model(
        name,
        states=[*cells, *pk_states],
        parameters=[*parameters, *pk_parameters, *extra_parameters],
        rhs=rhs,
        flows=flows,
        observables=observables,
        time_unit="h",
        description=description,
        reference="friberg2002",
        solve_symbolically=False,
        max_time=1e5,
        display=shown,
    )


# Audit trail: radivot/myelo demo/quartino14.R.
_QUARTINO_NOTE = (
    "From the myelo R package's reproduction of Quartino et al. 2014 (docetaxel): exponent of "
    "the G-CSF ratio 0.444 on proliferation and 0.234 on maturation; not yet checked against "
    "the paper. Applying them to G-CSF given as a drug, on top of the Friberg feedback, is a "
    "teaching simplification."
)


def _gcsf_support() -> tuple[list[Parameter], list[Observable]]:
    """Exogenous G-CSF as a rise over baseline that speeds proliferation and maturation.

    Teaching simplification after Quartino et al. (2014): there, the G-CSF concentration
    relative to its baseline, raised to fitted exponents, multiplies the proliferation rate
    and the maturation (transit) rate. Here the *exogenous* rise is a parameter,
    ``gcsf_rise`` (G/G0 = 1 + gcsf_rise), switched on and off with
    :class:`~hemomodels.ParameterChange` events; the endogenous feedback stays Friberg's
    (Circ0/Circ)^gamma.
    """
    rise = Parameter(
        "gcsf_rise",
        0.0,
        "1",
        (0.0, 100.0),
        "Rise of G-CSF above its baseline caused by G-CSF treatment (G/G0 - 1)",
        "quartino2014",
        latex=r"G",
        note=(
            "Scenario input, not from the literature: 0 (no G-CSF treatment) gives the "
            "published Friberg model."
        ),
        label="G-CSF rise above baseline",
        basis="scenario",
    )
    on_proliferation = Parameter(
        "gcsf_prol_exponent",
        0.444,
        "1",
        (0.0, 2.0),
        "Exponent of the G-CSF ratio on proliferation",
        "quartino2014",
        latex=r"\beta_{\mathrm{prol}}",
        note=_QUARTINO_NOTE,
        label="G-CSF effect on proliferation (exponent)",
        basis="published",
    )
    on_maturation = Parameter(
        "gcsf_transit_exponent",
        0.234,
        "1",
        (0.0, 2.0),
        "Exponent of the G-CSF ratio on the maturation (transit) rate",
        "quartino2014",
        latex=r"\beta_{\mathrm{tr}}",
        note=_QUARTINO_NOTE,
        label="G-CSF effect on maturation (exponent)",
        basis="published",
    )
    ratio = 1 + rise.symbol
    stimulation = Observable(
        "gcsf_proliferation",
        ratio**on_proliferation.symbol,
        "1",
        "Factor by which G-CSF speeds proliferation",
        latex=r"S_{\mathrm{prol}}",
        label="G-CSF speed-up of proliferation",
    )
    maturation = Observable(
        "gcsf_maturation",
        ratio**on_maturation.symbol,
        "1",
        "Factor by which G-CSF speeds maturation (shortens the transit time)",
        latex=r"S_{\mathrm{tr}}",
        label="G-CSF speed-up of maturation",
    )
    return [rise, on_proliferation, on_maturation], [stimulation, maturation]


@register
def friberg2002(drug: str = "docetaxel", *, gcsf: bool = False) -> Model:
    """Build the Friberg et al. (2002) myelosuppression model with a one-compartment PK.

    Parameters
    ----------
    drug : {"docetaxel", "docetaxel_kloft2006", "paclitaxel"}
        Whose fitted values to use (``hemomodels.models.friberg2002.DRUGS``).
        ``"docetaxel"``: the docetaxel estimates of Friberg et al. 2002 (neutrophils,
        observable ``ANC``);
        ``"docetaxel_kloft2006"``: the same model in the same group's later docetaxel analysis,
        Kloft et al. 2006 (the estimates reused unchanged by Netterberg et al. 2017), whose
        typical patient reaches grade-4 neutropenia at 100 mg/m² as most patients on the
        label do; ``"paclitaxel"``: leukocytes (observable ``WBC``). Anything else raises
        :class:`~hemomodels.ModelError` listing the valid ones.
    gcsf : bool
        Add exogenous G-CSF support (see the module).

    Returns
    -------
    Model
        States ``Prol``, ``Transit1``–``Transit3``, ``Circ`` (10^9 cells/L) and ``Conc``
        (µM); parameters ``Circ0``, ``MTT`` (h), ``gamma``, ``slope`` (1/µM) and ``kel``
        (1/h); observables ``ktr``, ``drug_effect``, ``feedback`` and ``ANC`` (or ``WBC``).
        Time in hours. Initial cell compartments equal the default ``Circ0``; if you change
        ``Circ0``, pass the same value as ``y0`` for the five cell compartments.

    Examples
    --------
    >>> import hemomodels as hm
    >>> from hemomodels.models.friberg2002 import bolus_concentration
    >>> model = hm.models.friberg2002()
    >>> dose = hm.Dose(0.0, "Conc", bolus_concentration(200))
    >>> result = model.simulate(28 * 24, doses=[dose])
    >>> bool(5 < result.t[result["ANC"].argmin()] / 24 < 10)
    True
    """
    values, cells, parameters = _system(drug)
    gcsf = rules.flag(gcsf, "gcsf", model="Friberg et al. 2002")
    name = values.drug
    conc = State(
        "Conc",
        f"Plasma concentration of {name}",
        "µM",
        initial=0.0,
        latex=r"\mathrm{Conc}",
        label=f"{name.capitalize()} concentration",
    )
    kel = Parameter(
        "kel",
        values.kel,
        "1/h",
        (0.0, 100.0),
        f"First-order elimination rate of {name} (one-compartment PK)",
        "bruno1996" if name == "docetaxel" else "friberg2002",
        latex=r"k_{el}",
        note=values.kel_note,
        low_inclusive=False,
        label="Drug elimination rate",
        basis="computed" if name == "docetaxel" else "illustrative",
    )
    return _assemble(
        f"Friberg et al. 2002 ({name}, {values.label}{', G-CSF support' if gcsf else ''})",
        drug,
        values,
        cells,
        parameters,
        [conc],
        [kel],
        [Flow(conc, None, kel.symbol * conc.symbol, "elimination")],
        f"Myelosuppression after {name}: proliferating precursors, three transit "
        "compartments and circulating cells with feedback; one-compartment PK"
        + ("; exogenous G-CSF support." if gcsf else "."),
        gcsf=gcsf,
        pk_display={conc: sympy.Mul(-1, kel.symbol, conc.symbol, evaluate=False)},
    )


@register
def friberg2002_bruno1996(drug: str = "docetaxel") -> Model:
    """Friberg et al. (2002) docetaxel model with the three-compartment PK of Bruno et al. (1996).

    ``drug`` chooses the system parameters: ``"docetaxel"`` (Friberg 2002) or
    ``"docetaxel_kloft2006"`` (Kloft 2006), as in :func:`friberg2002`.

    ``Conc`` is the central concentration (µM); ``Periph1`` and ``Periph2`` hold the drug in
    the two peripheral compartments, expressed per litre of central volume (µM-equivalents),
    so that the rate constants k12, k21, k13, k31 and k10 act on them directly.

    Returns
    -------
    Model
        As :func:`friberg2002` for docetaxel, with PK states ``Conc``, ``Periph1``,
        ``Periph2`` and rate parameters ``k10``, ``k12``, ``k21``, ``k13``, ``k31`` (1/h).

    Examples
    --------
    >>> friberg2002_bruno1996().state_names[-3:]
    ('Conc', 'Periph1', 'Periph2')
    """
    values, cells, parameters = _system(drug)
    if values.drug != "docetaxel":
        raise invalid_value(
            "drug", drug, "'docetaxel' or 'docetaxel_kloft2006' (Bruno's PK is docetaxel's)", None
        )
    conc = State(
        "Conc",
        "Central (plasma) concentration of docetaxel",
        "µM",
        initial=0.0,
        latex=r"\mathrm{Conc}",
        label="Docetaxel concentration",
    )
    periph1 = State(
        "Periph1",
        "Docetaxel in the first peripheral compartment, per litre of central volume",
        "µM",
        initial=0.0,
        latex=r"\mathrm{Periph}_1",
        label="Docetaxel, peripheral compartment 1",
    )
    periph2 = State(
        "Periph2",
        "Docetaxel in the second peripheral compartment, per litre of central volume",
        "µM",
        initial=0.0,
        latex=r"\mathrm{Periph}_2",
        label="Docetaxel, peripheral compartment 2",
    )

    def rate(name: str, value: float, description: str, label: str) -> Parameter:
        return Parameter(
            name,
            value,
            "1/h",
            (0.0, 1000.0),
            description,
            "bruno1996",
            latex=f"k_{{{name[1:]}}}",
            note=_BRUNO_NOTE,
            low_inclusive=False,
            label=label,
            basis="published",
        )

    k10 = rate(
        "k10", 5.2, "Elimination rate from the central compartment (CL/V1)", "Drug elimination rate"
    )
    k12 = rate(
        "k12",
        1.06,
        "Transfer rate central -> peripheral 1",
        "Transfer rate to peripheral compartment 1",
    )
    k21 = rate(
        "k21",
        1.51,
        "Transfer rate peripheral 1 -> central",
        "Return rate from peripheral compartment 1",
    )
    k13 = rate(
        "k13",
        1.26,
        "Transfer rate central -> peripheral 2",
        "Transfer rate to peripheral compartment 2",
    )
    k31 = rate(
        "k31",
        0.084,
        "Transfer rate peripheral 2 -> central",
        "Return rate from peripheral compartment 2",
    )
    c, p1, p2 = conc.symbol, periph1.symbol, periph2.symbol
    flows = [
        Flow(conc, None, k10.symbol * c, "elimination"),
        Flow(conc, periph1, k12.symbol * c, "distribution"),
        Flow(periph1, conc, k21.symbol * p1, "redistribution"),
        Flow(conc, periph2, k13.symbol * c, "distribution"),
        Flow(periph2, conc, k31.symbol * p2, "redistribution"),
    ]
    return _assemble(
        f"Friberg et al. 2002 (docetaxel, {values.label}, Bruno 1996 PK)",
        "docetaxel",
        values,
        cells,
        parameters,
        [conc, periph1, periph2],
        [k10, k12, k21, k13, k31],
        flows,
        "Myelosuppression after docetaxel with a three-compartment PK.",
        pk_display=_bruno_display(conc, periph1, periph2, [k10, k12, k21, k13, k31]),
    )


def _bruno_display(
    conc: State, periph1: State, periph2: State, rates: list[Parameter]
) -> dict[State, sympy.Expr]:
    """Bruno's PK equations as pharmacology texts write them: what returns, then what leaves."""
    k10, k12, k21, k13, k31 = (r.symbol for r in rates)
    c, p1, p2 = conc.symbol, periph1.symbol, periph2.symbol
    with sympy.evaluate(False):
        return {
            conc: sympy.Add(k21 * p1, k31 * p2, sympy.Mul(-1, sympy.Add(k10, k12, k13), c)),
            periph1: k12 * c - k21 * p1,
            periph2: k13 * c - k31 * p2,
        }
