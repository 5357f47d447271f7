"""Model diagrams are drawn from the model object: boxes are its states, arrows its structure.

Closed-form cases check the derivation of arrows from right-hand sides (production, loss,
renewal, supply, regulation, feedback through an observable) and from flows; every packaged
model is drawn by the real Graphviz ``dot`` into a valid, accessible SVG whose text carries no
code names; a missing Graphviz raises the package's missing-extra error.
"""

from __future__ import annotations

import math
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import sympy
from conftest import chain_model

import hemomodels as hm
from hemomodels.diagram import build, expression_html, tex_html
from hemomodels.extras import MissingExtraError

SVG = "{http://www.w3.org/2000/svg}"
SNAKE_CASE = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")


def rate(name: str, value: float = 0.5) -> hm.Parameter:
    return hm.Parameter(
        name, value, "1/day", (0.0, 10.0), f"rate {name}", "friberg2002", low_inclusive=False
    )


def cells(name: str, label: str, initial: float = 1.0) -> hm.State:
    return hm.State(name, label, "cells", initial)


def two_states(rhs_of, observables=(), parameters=(), **extra) -> hm.Model:
    mother, daughter = cells("mother", "Mother cells", 100.0), cells("daughter", "Daughter cells")
    return hm.Model(
        "two states",
        states=[mother, daughter],
        parameters=list(parameters),
        rhs=rhs_of(mother.symbol, daughter.symbol),
        observables=list(observables),
        reference="friberg2002",
        **extra,
    )


def arrows(picture) -> set[tuple[str, str, str]]:
    return {(a.kind, a.source, a.target) for a in picture.arrows}


# ------------------------------------------------------------------ arrows from the equations


def test_a_two_state_chain_gives_exactly_a_production_and_a_loss():
    k1, k2 = rate("k_make"), rate("k_clear", 0.2)
    model = two_states(
        lambda a, b: {"mother": -k1.symbol * a, "daughter": k1.symbol * a - k2.symbol * b},
        parameters=[k1, k2],
    )
    picture = build(model)
    assert [b.key for b in picture.boxes] == ["mother", "daughter"]
    assert [b.label for b in picture.boxes] == ["Mother cells", "Daughter cells"]
    # the mother's loss k1 A is what the arrow carries, not a loss to the outside
    assert arrows(picture) == {
        ("production", "mother", "daughter"),
        ("loss", "daughter", "outside"),
    }
    by_kind = {a.kind: a for a in picture.arrows}
    assert by_kind["production"].rate == k1.symbol
    assert by_kind["loss"].rate == k2.symbol


def test_flows_give_their_own_arrows_with_the_rate_per_cell():
    model = chain_model(3)
    picture = build(model)
    k = [p.symbol for p in model.parameters]
    assert {(a.kind, a.source, a.target, a.rate) for a in picture.arrows} == {
        ("flow", "A1", "A2", k[0]),
        ("flow", "A2", "A3", k[1]),
        ("loss", "A3", "outside", k[2]),
    }


def test_feedback_through_an_observable_is_a_dashed_arrow_named_after_it():
    a, p, d, k = rate("renewal", 0.8), rate("division"), rate("clearance"), rate("strength")
    mother_symbol = sympy.Symbol("daughter", real=True)
    signal = hm.Observable(
        "signal", 1 / (1 + k.symbol * mother_symbol), "1", "Feedback signal", latex="s"
    )
    s = signal.symbol
    model = two_states(
        lambda m, b: {
            "mother": (2 * a.symbol * s - 1) * p.symbol * m,
            "daughter": 2 * (1 - a.symbol * s) * p.symbol * m - d.symbol * b,
        },
        observables=[signal],
        parameters=[a, p, d, k],
    )
    picture = build(model)
    assert arrows(picture) == {
        ("production", "mother", "daughter"),
        ("renewal", "mother", "mother"),
        ("loss", "daughter", "outside"),
        ("feedback", "daughter", "mother"),
    }
    (feedback,) = [x for x in picture.arrows if x.kind == "feedback"]
    assert feedback.via == "Feedback signal" and feedback.symbol == "s"
    assert "dashed" in re.search(r"n1 -> n0 \[([^\]]*)\]", picture.dot_source()).group(1)
    # the daughters' rate: 2 (1 - a s) p per dividing mother cell
    (made,) = [x for x in picture.arrows if x.kind == "production"]
    assert sympy.simplify(made.rate - 2 * (1 - a.symbol * s) * p.symbol) == 0


def test_supply_regulation_dose_and_treatment():
    supply, clearance, secretion = rate("supply"), rate("clearance"), rate("secretion")
    therapy = hm.Parameter("therapy", 0.0, "1", (0.0, 1.0), "Therapy switch", "friberg2002")
    model = two_states(
        lambda m, b: {
            "mother": supply.symbol * (1 - therapy.symbol) - clearance.symbol * m,
            # secretion falls as mother cells rise: a regulation, not a production
            "daughter": secretion.symbol / (1 + m) - clearance.symbol * b,
        },
        parameters=[supply, clearance, secretion, therapy],
    )
    picture = build(model, inputs={"daughter": "Injections", "therapy": "A drug"})
    assert arrows(picture) == {
        ("supply", "outside", "mother"),
        ("loss", "mother", "outside"),
        ("loss", "daughter", "outside"),
        ("regulation", "mother", "daughter"),
        ("dose", "input:daughter", "daughter"),
        ("treatment", "input:therapy", "mother"),
    }
    # the supply's label shows the treatment switched off (its default)
    (supplied,) = [x for x in picture.arrows if x.kind == "supply"]
    assert supplied.rate == supply.symbol


def test_bad_layout_arguments_are_refused_with_a_model_error():
    model = hm.models.marciniak_czochra_2009()
    for kwargs in (
        {"inputs": {"no_such_state": "Graft"}},
        {"inputs": {"stem_cells": ""}},
        {"groups": [("Marrow", ["stem_cells"]), ("Blood", ["stem_cells"])]},
        {"groups": "stem_cells"},
        {"direction": "diagonal"},
        {"losses": "yes"},
    ):
        with pytest.raises(hm.ModelError):
            build(model, **kwargs)


# ------------------------------------------------------------------ what biologists expect


def test_the_packaged_models_have_the_structure_their_papers_draw():
    hsc = build(hm.models.marciniak_czochra_2009())
    assert hsc.edges("production") == {("stem_cells", "precursors"), ("precursors", "neutrophils")}
    assert hsc.edges("loss") == {("neutrophils", "outside")}
    assert hsc.edges("renewal") == {("stem_cells", "stem_cells"), ("precursors", "precursors")}
    assert hsc.edges("feedback") == {
        ("neutrophils", "feedback_signal"),
        ("feedback_signal", "stem_cells"),
        ("feedback_signal", "precursors"),
    }

    friberg = build(hm.models.friberg2002(), inputs={"Conc": "Docetaxel infusion"})
    chain = ["Prol", "Transit1", "Transit2", "Transit3", "Circ"]
    assert friberg.edges("flow") == set(zip(chain, chain[1:], strict=False))
    assert friberg.edges("loss") == {("Circ", "outside"), ("Conc", "outside")}
    assert friberg.edges("feedback") == {("Circ", "Prol"), ("Conc", "Prol")}
    assert friberg.edges("dose") == {("input:Conc", "Conc")}
    assert {a.via for a in friberg.arrows if a.kind == "feedback"} == {
        "Feedback factor",
        "Drug effect",
    }

    michor = build(hm.models.michor2005())
    levels = {kind: [f"{kind}{i}" for i in range(4)] for kind in "xyz"}
    expected = {(c[i], c[i + 1]) for c in levels.values() for i in range(3)} | {("y0", "z0")}
    assert michor.edges("production") == expected
    assert michor.edges("treatment") == {("input:imatinib", "y1"), ("input:imatinib", "y2")}
    assert [title for title, _ in michor.groups] == [
        "Normal",
        "Imatinib-sensitive leukaemic",
        "Imatinib-resistant leukaemic",
    ]

    tetschke = build(hm.models.tetschke2018())
    assert tetschke.edges("supply") == {("outside", "progenitors")}
    assert tetschke.edges("feedback") == {("hb_mass", "progenitors")}
    epo = build(hm.models.tetschke2018_epo())
    assert epo.edges("regulation") == {("hb_mass", "epo")}
    assert epo.edges("feedback") == {("epo", "progenitors")}

    aml = build(hm.models.stiehl2015())
    into = {s for s, t in aml.edges("feedback") if t == "feedback_signal"}
    out_of = {t for s, t in aml.edges("feedback") if s == "feedback_signal"}
    assert into == {"neutrophils", "leukaemic_postmitotic"}
    assert out_of == {"stem_cells", "precursors", "leukaemic_stem_cells", "leukaemic_progenitors"}

    chimerism = build(hm.models.transplant_chimerism())
    losses = {a.source: a.rate for a in chimerism.arrows if a.kind == "loss"}
    model = hm.models.transplant_chimerism()
    assert losses["donor_stem_cells"] == model.parameter("rejection_rate").symbol
    assert losses["recipient_stem_cells"] == model.parameter("graft_versus_host_rate").symbol

    gene = build(hm.models.gene_therapy_erythropoiesis())
    assert gene.edges("production") >= {
        ("precursors", "corrected_hb_mass"),
        ("precursors", "uncorrected_hb_mass"),
    }


# ------------------------------------------------------------------ drawing (real Graphviz)


def svg_text(root: ElementTree.Element) -> str:
    return " ".join(" ".join(e.itertext()) for e in root.iter(f"{SVG}text"))


def code_names(model: hm.Model) -> set[str]:
    """Names a reader must not see: declared names that are neither a printed symbol nor a
    word of the readers' labels (``neutrophils`` is both a name and a word)."""
    declared = (*model.states, *model.parameters, *model.observables)
    words = {w.lower() for x in declared for w in re.findall(r"[\w-]+", x.display_label)}
    names = set()
    for x in declared:
        printed = re.sub(r"\\mathrm\{([^}]*)\}", r"\1", x.tex).replace("{", "").replace("}", "")
        if len(x.name) >= 4 and x.name not in printed.replace("_", ""):
            if x.name.lower() not in words:
                names.add(x.name)
    return names


@pytest.mark.parametrize("name", hm.models.available())
def test_every_packaged_model_draws_a_valid_accessible_svg(name):
    model = hm.models.get(name)
    picture = model.diagram()
    root = ElementTree.fromstring(picture.svg())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    named = {e.get("id"): "".join(e.itertext()) for e in root if e.get("id") in ids}
    assert set(named) == set(ids) and all(text.strip() for text in named.values())
    assert named[ids[0]] == f"Diagram of the model {model.name}."
    # no tooltip or comment repeats a code name, colours follow the page's text colour
    assert not list(root.iter(f"{SVG}a"))
    assert sum(1 for _ in root.iter(f"{SVG}title")) == 1
    assert "black" not in picture.svg()
    texts = svg_text(root)
    for state in model.states:
        first = re.split(r"\s+", state.display_label)[-1]
        assert first.lower() in texts.lower(), (state.name, first)
    visible = texts + " " + picture.describe()
    assert not SNAKE_CASE.search(visible), SNAKE_CASE.search(visible)
    leaked = {n for n in code_names(model) if re.search(rf"\b{re.escape(n)}\b", visible)}
    assert not leaked, leaked


@pytest.mark.parametrize("name", hm.models.available())
def test_text_alternative_has_one_sentence_per_box_and_arrow(name):
    picture = hm.models.get(name).diagram()
    lines = picture.describe().splitlines()
    boxes = [b for b in picture.boxes if b.kind in ("compartment", "signal")]
    assert len(lines) == 1 + len(boxes) + len(picture.arrows)
    assert all(line.endswith(".") for line in lines)
    bundle = picture._repr_mimebundle_()
    assert bundle["text/plain"] == picture.describe()
    assert bundle["text/html"].startswith('<div class="hm-diagram"')
    assert "<svg" in bundle["text/html"] and bundle["image/svg+xml"].startswith("<svg")


def test_a_diagram_never_shrinks_its_text_below_twelve_pixels():
    for name in hm.models.available():
        page = hm.models.get(name).diagram().html()
        width = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', page).group(1))
        smallest = min(float(s) for s in re.findall(r'font-size="([\d.]+)"', page))
        min_width = float(re.search(r"min-width: (\d+)px", page).group(1))
        # rendered text height = font size × (rendered width / natural width)
        assert smallest * min_width / width >= 12 - 1e-9, name
        if min_width > 340:
            assert 'tabindex="0"' in page and 'role="region"' in page, name


def test_symbols_and_rates_are_typeset_without_latex():
    assert tex_html("c_1") == "<I>c</I><SUB>1</SUB>"
    assert tex_html(r"\mathrm{Transit}_1") == "Transit<SUB>1</SUB>"
    assert tex_html(r"\gamma") == "γ"
    assert tex_html("x_0^*") == "<I>x</I><SUB>0</SUB><SUP>*</SUP>"
    a, s, p = sympy.symbols("a s p", positive=True)
    names = {a: "a_1", s: "s", p: "p_1"}
    label = expression_html(2 * p - 2 * a * s * p, names)
    assert label == "2(1 − <I>a</I><SUB>1</SUB><I>s</I>)<I>p</I><SUB>1</SUB>"
    assert "\\" not in expression_html(sympy.log(2) * 24 / p, names)


# ------------------------------------------------------------------ missing Graphviz


def test_missing_graphviz_package_raises_the_missing_extra_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(MissingExtraError) as error:
        hm.models.marciniak_czochra_2009().diagram()
    assert error.value.extra == "diagrams"
    assert "pip install 'hemomodels[diagrams]'" in str(error.value)


def test_missing_dot_program_raises_the_missing_extra_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingExtraError) as error:
        hm.models.marciniak_czochra_2009().diagram()
    assert error.value.extra == "diagrams"
    assert "dot" in str(error.value) and "apt-get install graphviz" in str(error.value)


def test_diagram_without_graphviz_can_still_be_read(monkeypatch):
    """Building (not drawing) needs no Graphviz: the structure is the package's."""
    monkeypatch.setitem(sys.modules, "graphviz", None)
    picture = build(hm.models.tetschke2018())
    assert len(picture.describe().splitlines()) > 3
    assert math.isfinite(len(picture.dot_source()))


# ------------------------------------------------------------------ the built book

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS = [
    "book/hsc-biology",
    "book/anaemia",
    "book/chemotherapy",
    "book/leukaemia",
    "book/transplantation",
    "book/gene-therapy",
    "book/marrow-failure",
]


def built(docname: str) -> str:
    path = HTML / f"{docname}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the book first with `make book`.")
    return path.read_text(encoding="utf-8")


def diagram_figures(html: str) -> list[tuple[str, str]]:
    """(figure id, figure HTML) of every numbered figure that holds a model diagram."""
    figures = re.findall(r'<figure[^>]*\bid="([^"]+)"[^>]*>(.*?)</figure>', html, re.DOTALL)
    return [(name, body) for name, body in figures if 'class="hm-diagram"' in body]


@pytest.mark.book
@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_chapter_shows_a_numbered_diagram_of_each_model_before_its_equations(docname):
    html = built(docname)
    figures = diagram_figures(html)
    assert figures, f"{docname}: no model diagram"
    titles = []
    for name, body in figures:
        assert re.search(r'<span class="caption-number">Fig\. [\d.]+ </span>', body), name
        svg = re.search(r"<svg\b[^>]*>", body).group(0)
        assert 'role="img"' in svg, name
        ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        for element_id in ids:
            text = re.search(rf'id="{element_id}">([^<]+)<', body)
            assert text and text.group(1).strip(), (name, element_id)
        titles.append(re.search(rf'id="{ids[0]}">([^<]+)<', body).group(1))
    # every model the chapter builds is drawn
    source = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
    for function in sorted(set(re.findall(r"hm\.models\.(\w+)\(", source))):
        family = hm.models.get(function).name.split(" (")[0]
        assert any(family in title for title in titles), (docname, function, titles)
    # the first diagram comes before the first numbered equation
    first_equation = html.find('id="equation-')
    assert first_equation == -1 or html.find('class="hm-diagram"') < first_equation


@pytest.mark.book
@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_chapter_ends_with_a_collapsible_sources_section(docname):
    html = built(docname)
    start = html.find('<section id="sources-and-confidence">')
    assert start > 0, f"{docname}: no Sources and confidence section"
    section = html[start : html.find("</section>", start)]
    assert '<div class="dropdown admonition' in section
    assert "Parameters." in section and "bibtex-citation" in section
    exercises = html.find('<section id="exercises">')
    assert exercises == -1 or start < exercises
    # parameter tables link to it and carry no provenance notes
    tables = re.findall(r'class="hm-table-scroll docutils container"(.*?)</table>', html, re.DOTALL)
    assert tables, f"{docname}: no parameter table"
    for table in tables:
        assert "not yet checked" not in table and "From the " not in table
    assert re.search(r'href="#sources-[\w-]+"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    for phrase in ("verified via code", "as we recall", "literature dossier", "was not read"):
        assert phrase not in text, (docname, phrase)


# ------------------------------------------------------------------ in a phone-sized browser

DIAGRAMS_JS = """() => [...document.querySelectorAll('.hm-diagram svg')].map(svg => {
  const name = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/)
    .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  const box = svg.closest('.hm-diagram').getBoundingClientRect();
  const scale = svg.getScreenCTM().a;
  const sizes = [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim())
    .map(t => parseFloat(t.getAttribute('font-size')) * scale);
  return {name, role: svg.getAttribute('role'), left: box.left, right: box.right,
          smallest: Math.min(...sizes)};
})"""


@pytest.fixture(scope="module")
def phone(chromium_browser):
    """A 390-pixel-wide page of the session's headless Chromium on a local server of the
    built book."""
    from site_browser import serve

    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} is missing: build the book first with `make book`.")
    with serve(HTML) as origin:
        context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
        yield context.new_page(), origin
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("docname", CHAPTERS)
def test_diagrams_are_named_readable_and_inside_a_phone_screen(phone, docname):
    page, origin = phone
    page.goto(f"{origin}/{docname}.html", wait_until="networkidle")
    diagrams = page.evaluate(DIAGRAMS_JS)
    assert diagrams, f"{docname}: no diagram"
    for number, diagram in enumerate(diagrams):
        assert diagram["role"] == "img" and diagram["name"].startswith("Diagram of the model")
        assert diagram["left"] >= 0 and diagram["right"] <= 390 + 0.5, (number, diagram)
        assert diagram["smallest"] >= 12 - 0.05, (number, diagram)


@pytest.mark.browser
@pytest.mark.parametrize("docname", CHAPTERS)
def test_the_sources_section_opens_with_the_keyboard(phone, docname):
    page, origin = phone
    page.goto(f"{origin}/{docname}.html", wait_until="networkidle")
    section = page.locator("#sources-and-confidence")
    content = section.locator("ul").first
    assert not content.is_visible(), "the section should start collapsed"
    toggle = section.locator("button").first
    toggle.focus()
    assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    content.wait_for(state="visible", timeout=5_000)
