"""Equations and parameters as the book shows them.

Display forms (the textbook's order of terms) are proved equal to the simulated right-hand
sides, symbolically and numerically; a wrong display form is refused. Equations are numbered
and labelled for MyST's ``{eq}`` role; parameter tables give symbol, name, value in plain
notation, unit, range and source, and no provenance notes; every note reads as a sentence for
students, without working notes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import hemomodels as hm
from hemomodels.declaration import observable_substitutions, on_declared_domain
from hemomodels.display import equation_label, plain_number, plain_range
from hemomodels.spec import BASES

#: Every packaged model and the variants the chapters use.
VARIANTS = {
    **{name: (lambda name=name: hm.models.get(name)) for name in hm.models.available()},
    "friberg2002_kloft2006": lambda: hm.models.friberg2002("docetaxel_kloft2006"),
    "friberg2002_paclitaxel": lambda: hm.models.friberg2002("paclitaxel"),
    "friberg2002_gcsf": lambda: hm.models.friberg2002("docetaxel_kloft2006", gcsf=True),
}


def simulated(model: hm.Model, name: str) -> sympy.Expr:
    """What is simulated for a state or observable, every observable substituted."""
    if name in model.state_index:
        return model.rhs[model.state_index[name]]
    return model.observable_expressions[model.observable_index[name]]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_display_form_equals_the_simulated_equation(variant):
    model = VARIANTS[variant]()
    assert model.display_forms, f"{variant} declares no display form"
    substitutions = observable_substitutions(model.observables)
    rng = np.random.default_rng(7)
    symbols = sorted(
        {*model.state_symbols, *model.parameter_symbols, hm.TIME}, key=lambda s: s.name
    )
    for name, form in model.display_forms.items():
        shown = form.doit().xreplace(substitutions)
        truth = simulated(model, name)
        # equal wherever the declared non-negative states may be (a Max(0, x) guard is x)
        domain = on_declared_domain(model)
        assert sympy.simplify((shown - truth).xreplace(domain)) == 0, (variant, name)
        # and numerically, at random positive points (independent of SymPy's simplification)
        f_shown, f_truth = (sympy.lambdify(symbols, e, "numpy") for e in (shown, truth))
        for _ in range(5):
            point = rng.uniform(0.1, 2.0, len(symbols))
            np.testing.assert_allclose(f_shown(*point), f_truth(*point), rtol=1e-10)


def test_a_display_form_that_differs_from_the_simulated_equation_is_refused():
    drug = hm.State("drug", "Drug in plasma", "mg/L", initial=1.0, latex="C")
    k = hm.Parameter("k", 0.1, "1/h", (0, 10), "Elimination", "friberg2002", latex="k")
    declaration = {
        "states": [drug],
        "parameters": [k],
        "rhs": {drug: -k.symbol * drug.symbol},
        "reference": "friberg2002",
    }
    with sympy.evaluate(False):
        right = sympy.Mul(-1, k.symbol, drug.symbol)
        wrong = sympy.Mul(-2, k.symbol, drug.symbol)  # a factor 2 too many
    hm.Model("right", **declaration, display={drug: right})  # accepted
    with pytest.raises(hm.ModelError, match="display form of 'drug' differs"):
        hm.Model("wrong", **declaration, display={drug: wrong})
    with pytest.raises(hm.ModelError, match="not a state or observable"):
        hm.Model("unknown", **declaration, display={"k": right})
    with pytest.raises(hm.ModelError, match="display"):
        hm.Model("not a mapping", **declaration, display=[right])


def test_the_hsc_equations_read_as_the_prose_explains_them():
    """The stem-cell chapter explains 2(1 - a1 s) p1 c1, not SymPy's c1 p1 (-2 s a1 + 2)."""
    text = hm.models.marciniak_czochra_2009().latex()
    assert r"\frac{d c_1}{d t} &= \left(2 a_1 s - 1\right) p_1 c_1" in text
    assert (
        r"\frac{d c_2}{d t} &= 2 \left(1 - a_1 s\right) p_1 c_1 + \left(2 a_2 s - 1\right) p_2 c_2"
        in text
    )
    assert r"\frac{d c_3}{d t} &= 2 \left(1 - a_2 s\right) p_2 c_2 - d_3 c_3" in text
    assert r"s &= \frac{1}{1 + k c_3}" in text


def test_equations_are_numbered_and_labelled_once_each():
    model = hm.models.friberg2002("docetaxel_kloft2006")
    shown = model.show_equations("eq-chemo")
    markdown = shown._repr_markdown_()
    blocks = re.findall(r"\$\$\n(.+?)\n\$\$ \(([^)]+)\)", markdown)
    # the observables the equations use (k_tr, E_drug, F), then one equation per state
    assert [label for _, label in blocks] == shown.labels
    assert len(blocks) == 3 + len(model.states)
    assert len(set(shown.labels)) == len(shown.labels)
    assert shown.labels[3] == equation_label("eq-chemo", "Prol") == "eq-chemo-prol"
    # a subset of states, observables named explicitly
    part = model.show_equations("eq-x", states=["Conc"], observables=["drug_effect"])
    assert part.labels == ["eq-x-drug-effect", "eq-x-conc"]
    assert "$$ (" not in model.show_equations()._repr_markdown_()  # no label: unnumbered


@pytest.mark.parametrize(
    "kwargs",
    [{"label": "has space"}, {"label": 3}, {"states": ["no_such_state"]}, {"states": "Prol"}],
)
def test_bad_equation_arguments_are_refused(kwargs):
    label = kwargs.pop("label", "eq-ok")
    with pytest.raises(hm.ModelError):
        hm.models.friberg2002().show_equations(label, **kwargs)


@pytest.mark.parametrize(
    "value, text",
    [
        (0.85, "0.85"),
        (1.75e-9, "1.75 × 10⁻⁹"),
        (4e-8, "4 × 10⁻⁸"),
        (1e6, "10⁶"),
        (2.5e5, "2.5 × 10⁵"),
        (885.42, "885.42"),
        (0.849104, "0.8491"),
        (0.0839511, "0.083951"),
        (0.003, "0.003"),
        (100.0, "100"),
        (-0.5, "−0.5"),
        (0.0, "0"),
        (float("inf"), "∞"),
    ],
)
def test_numbers_are_printed_as_readers_write_them(value, text):
    assert plain_number(value) == text


def plain_value(text: str) -> float:
    """Read back a number printed by plain_number (an independent parser)."""
    superscripts = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    text = text.replace("−", "-")
    if re.fullmatch(r"-?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+", text):
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * 10.0 ** int(text.lstrip("-")[2:].translate(superscripts))
    if "×" in text:
        mantissa, power = text.split(" × ")
        return float(mantissa) * 10.0 ** int(power[2:].translate(superscripts))
    return float(text)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_parameter_tables_show_symbol_name_plain_value_unit_range_and_source(variant):
    model = VARIANTS[variant]()
    table = model.show_parameters(sources="sources-test")
    markdown = table._repr_markdown_()
    assert markdown.startswith(":::{container} hm-table-scroll")
    assert "{ref}`sources-test`" in markdown
    header = "| Symbol | Parameter | Value | Unit | Range | Source |"
    assert header in markdown and "note" not in markdown.lower().split("\n")[1]
    for parameter, row in zip(model.parameters, table.rows(), strict=True):
        symbol, name, value, unit, bounds, source = row
        assert symbol == f"${parameter.tex}$"
        assert name == parameter.display_label and "_" not in name
        assert not re.search(r"\de[-+]?\d", value), value  # no 8.500000e-01
        assert plain_value(value) == pytest.approx(parameter.value, rel=5e-4)
        assert bounds == plain_range(parameter)
        assert source == f"{{cite:p}}`{parameter.source}`"
        assert "^" not in unit and unit != "1"
    # provenance notes live in the Sources section, not in the table
    assert all(p.note[:30] not in markdown for p in model.parameters if p.note)


# ----------------------------------------------------------------- provenance for students

WORKING_NOTES = re.compile(
    r"verified via code|verified:|not read|as we recall|dossier|literature notes|"
    r"oncohemakey|radivot/|paul-bbt|\.R\b|we have not|we did not|available to us|"
    r"hemomodels\.|ParameterChange|\d\.\d+e[-+]?\d+",
    re.IGNORECASE,
)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_parameter_states_its_basis_and_a_note_without_working_notes(variant):
    for parameter in VARIANTS[variant]().parameters:
        assert parameter.basis in BASES, parameter.name
        assert parameter.note, parameter.name
        assert not WORKING_NOTES.search(parameter.note), (parameter.name, parameter.note)
        assert parameter.note[0].isupper() and parameter.note.rstrip().endswith("."), (
            parameter.name,
            parameter.note,
        )


def test_targets_and_graft_sources_carry_no_working_notes():
    from hemomodels import targets
    from hemomodels.clinical import GRAFT_SOURCES

    for target in targets.targets():
        assert target.provenance and not WORKING_NOTES.search(target.provenance), target.key
    for source in GRAFT_SOURCES.values():
        assert not WORKING_NOTES.search(source.dose_note), source.name
        assert not re.search(r"[a-z]+\d{4}[a-z]*", source.dose_note), source.dose_note


def test_the_working_note_pattern_catches_working_notes():
    """Control: the check above can fail."""
    for note in (
        "verified via code: radivot/myelo michor05.R",
        "the label itself was not read",
        "8.500000e-01",
        "change it with hemomodels.ParameterChange",
    ):
        assert WORKING_NOTES.search(note), note


def test_sources_section_lists_every_parameter_once_and_every_target():
    from hemomodels import sources, targets

    models = [hm.models.tetschke2018(), hm.models.tetschke2018_epo()]
    text = sources.chapter_sources("anaemia", models)._repr_markdown_()
    shared = {p.name for p in models[0].parameters}
    for model in models:
        for parameter in model.parameters:
            assert f"${parameter.tex}$" in text, parameter.name
    # the extension's own parameters once, Tetschke's (shared) ones once
    for parameter in models[1].parameters:
        count = text.count(f"${parameter.tex}$")
        assert count == 1 or parameter.name not in shared and count >= 1, parameter.name
    assert text.count("{cite:p}`tetschke2018`") >= 1
    for target in targets.targets("anaemia"):
        assert f"{{cite:p}}`{target.source}`" in text and target.provenance in text
    assert not WORKING_NOTES.search(text)
