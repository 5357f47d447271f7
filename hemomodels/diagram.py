"""Model diagrams drawn from the model object: compartments, arrows, feedback and inputs.

A diagram is derived from the same declaration that is simulated, so it cannot drift from the
equations. :func:`build` reads a :class:`~hemomodels.Model`:

* every **state** is a box (its reader's label, symbol and unit);
* every **flow** between compartments is a solid arrow labelled with its rate per cell;
* in right-hand sides declared as expressions, an arrow *i* → *j* is drawn where the rate of
  change of *j* depends directly on *i* through a **production** term (linear in *i* with a
  non-negative coefficient, e.g. the daughters of dividing stem cells entering the progenitor
  compartment); a direct dependence of another kind (e.g. kidney EPO secretion rising as
  haemoglobin falls) is a dashed **regulation** arrow;
* a positive term proportional to a compartment's own size is **renewal** (a loop); a
  negative one whose rate shares no symbol with the compartment's outgoing arrows is a
  **loss** to the outside (the others are the departure of the cells that the outgoing arrows
  carry); a term without any compartment is a **supply** from outside;
* a dependence that passes through an **observable** (the feedback signal of mature cells on
  stem-cell self-renewal, the EPO feedback of haemoglobin on progenitors, the drug effect) is
  a dashed **feedback** arrow from the compartments the observable is computed from, labelled
  with the observable's name (through a node of its own when that saves arrows);
* **inputs** named by the caller are drawn too: a dose into a compartment, or a treatment that
  acts on the equations containing a parameter (e.g. the imatinib switch).

The diagram is drawn by Graphviz's ``dot`` into an SVG that carries its own text alternative
(one sentence per compartment and arrow, in words) as ``<title>`` and ``<desc>``, uses the
page's text colour (readable in dark mode) and scales down to narrow screens.

Examples
--------
>>> import hemomodels as hm
>>> picture = build(hm.models.marciniak_czochra_2009())
>>> [(a.kind, a.source, a.target) for a in picture.arrows][:2]
[('production', 'stem_cells', 'precursors'), ('production', 'precursors', 'neutrophils')]
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy

from . import rules
from .errors import ModelError
from .extras import MissingExtraError, missing_extra
from .text import GREEK_LETTERS
from .units import reader_unit

if TYPE_CHECKING:
    from .model import Model

__all__ = [
    "ARROW_KINDS",
    "Arrow",
    "Box",
    "DiagramLayout",
    "ModelDiagram",
    "build",
    "expression_html",
    "render_svg",
    "tex_html",
]

#: Kinds of arrows, drawn solid (material moves or is made) or dashed (one quantity acts on
#: another).
ARROW_KINDS = {
    "flow": "solid",
    "production": "solid",
    "renewal": "solid",
    "loss": "solid",
    "supply": "solid",
    "dose": "solid",
    "feedback": "dashed",
    "regulation": "dashed",
    "treatment": "dashed",
}
DIRECTIONS = ("TB", "LR")
#: Font sizes in points: box names, and symbols, units and arrow labels. An SVG point is
#: 4/3 px, so a diagram scaled to 70 % keeps 14-point text at 13 px.
FONT_SIZE = 14
SMALL_FONT_SIZE = 13
FONT = "Helvetica,Arial,sans-serif"
#: Smallest height of text on screen, in CSS pixels: a diagram shrinks no further.
MIN_TEXT_PX = 12
#: Width of the content column on a 390-pixel phone screen, in CSS pixels.
NARROW_SCREEN_PX = 340


@dataclass(frozen=True)
class DiagramLayout:
    """How a model's diagram is laid out by default (declared with the model).

    Attributes
    ----------
    groups : tuple of tuple
        Compartments drawn together under a title, as pairs (title, state names), e.g.
        ``(("Normal", ("x0", "x1")), ("Leukaemic", ("y0", "y1")))``; a box's name drops the
        group's title where it starts with it ("Normal stem cells" → "Stem cells").
    inputs : tuple of tuple
        Inputs drawn by default, as pairs (state or parameter name, reader's label).
    losses : bool
        Whether losses to the outside are drawn (a model with a loss at every level may
        leave them out to stay readable on a phone).
    direction : {"TB", "LR"}
        Top to bottom (fits a phone) or left to right.
    wrap : int
        Longest line of a box's name, in characters (a longer word stays whole).

    Examples
    --------
    >>> DiagramLayout(inputs={"Conc": "Docetaxel dose"}).inputs
    (('Conc', 'Docetaxel dose'),)
    """

    groups: Sequence[tuple[str, Sequence[str]]] = ()
    inputs: Mapping[str, str] | Sequence[tuple[str, str]] = ()
    losses: bool = True
    direction: str = "TB"
    wrap: int = 20

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", _groups(self.groups))
        object.__setattr__(self, "inputs", tuple(_inputs(self.inputs).items()))
        rules.flag(self.losses, "losses")
        rules.choice(self.direction, "direction", DIRECTIONS)
        rules.integer(self.wrap, "wrap", low=8, high=60, unit="characters")


def _groups(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    problem = ModelError(
        f"groups = {value!r} is not allowed; allowed: a list of (title, list of state names), "
        "e.g. [('Normal cells', ['x0', 'x1'])].",
        field="groups",
        value=value,
    )
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise problem
    groups = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise problem
        title, names = item
        if not isinstance(title, str) or not title.strip():
            raise problem
        if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
            raise problem
        if not all(isinstance(n, str) for n in names):
            raise problem
        groups.append((title, tuple(names)))
    return tuple(groups)


def _inputs(value: Any) -> dict[str, str]:
    items: Any = value.items() if isinstance(value, Mapping) else value
    problem = ModelError(
        f"inputs = {value!r} is not allowed; allowed: a mapping of state or parameter names to "
        "the input's label in words, e.g. {'Conc': 'Docetaxel infusion'}.",
        field="inputs",
        value=value,
    )
    if isinstance(items, (str, bytes)) or not isinstance(items, (list, tuple, type({}.items()))):
        raise problem
    found: dict[str, str] = {}
    item: Any
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise problem
        name, label = item
        if not isinstance(name, str) or not isinstance(label, str) or not label.strip():
            raise problem
        found[name] = label
    return found


@dataclass(frozen=True)
class Box:
    """A box of a diagram: a compartment, a feedback signal, an input or the outside.

    Attributes
    ----------
    key : str
        The state's or observable's name, or ``"input:"`` and the name of the dosed state or
        the treatment's parameter.
    kind : {"compartment", "signal", "input", "outside"}
    label : str
        What the box shows, in words.
    symbol : str
        LaTeX symbol (compartments and signals), or empty.
    unit : str
        Unit as readers write it, or empty.
    group : str
        Title of the group the box is drawn in, or empty.
    """

    key: str
    kind: str
    label: str
    symbol: str = ""
    unit: str = ""
    group: str = ""


@dataclass(frozen=True)
class Arrow:
    """An arrow of a diagram.

    Attributes
    ----------
    kind : str
        One of :data:`ARROW_KINDS`: ``"flow"`` (a declared flow), ``"production"``,
        ``"renewal"``, ``"loss"``, ``"supply"`` and ``"dose"`` are solid; ``"feedback"``,
        ``"regulation"`` and ``"treatment"`` are dashed.
    source : str
        Box key where the arrow starts: a state's name, an observable's (signal boxes),
        ``"input:"`` and the input's state or parameter name, or ``"outside"``.
    target : str
        Box key where the arrow ends (as ``source``).
    rate : sympy.Expr or None
        The rate per cell (or per unit) of the source the arrow carries, shown as its label.
    via : str
        For feedback, the reader's label of the observable it passes through.
    symbol : str
        For feedback, the LaTeX symbol of that observable.
    """

    kind: str
    source: str
    target: str
    rate: sympy.Expr | None = None
    via: str = ""
    symbol: str = ""


# ------------------------------------------------------------------------- symbols as text

_UPRIGHT = ("mathrm", "text", "operatorname", "textrm")


def _group(tex: str, start: int) -> tuple[str, int]:
    """The braced group or single token starting at ``tex[start]`` and the index after it."""
    if start >= len(tex):
        return "", start
    if tex[start] == "{":
        depth = 0
        for i in range(start, len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            if depth == 0:
                return tex[start + 1 : i], i + 1
        return tex[start + 1 :], len(tex)
    if tex[start] == "\\":
        match = re.match(r"\\([A-Za-z]+)", tex[start:])
        if match:
            return match.group(0), start + match.end()
    return tex[start], start + 1


def tex_html(tex: str, *, italic: bool = True) -> str:
    """A LaTeX symbol as a Graphviz HTML label: sub- and superscripts as ``<SUB>``/``<SUP>``,
    Greek letters as characters, single Latin letters in italics.

    Handles what symbols of the package use: ``\\mathrm{…}``, Greek letters, ``_x``,
    ``_{…}``, ``^x``, ``^{…}``; anything else is shown as written.

    Examples
    --------
    >>> tex_html("c_1"), tex_html(r"k_{tr}"), tex_html(r"\\mathrm{Circ}_0")
    ('<I>c</I><SUB>1</SUB>', '<I>k</I><SUB><I>tr</I></SUB>', 'Circ<SUB>0</SUB>')
    >>> tex_html(r"\\phi_a"), tex_html("x_3^{C}"), tex_html(r"t_{1/2}")
    ('φ<SUB><I>a</I></SUB>', '<I>x</I><SUB>3</SUB><SUP><I>C</I></SUP>', '<I>t</I><SUB>1/2</SUB>')
    """
    out: list[str] = []
    i = 0
    while i < len(tex):
        char = tex[i]
        if char in "_^":
            content, i = _group(tex, i + 1)
            tag = "SUB" if char == "_" else "SUP"
            out.append(f"<{tag}>{tex_html(content, italic=italic)}</{tag}>")
        elif char == "\\":
            command, i = _group(tex, i)
            name = command[1:]
            if name in _UPRIGHT:
                content, i = _group(tex, i)
                out.append(tex_html(content, italic=False))
            elif name in GREEK_LETTERS:
                out.append(GREEK_LETTERS[name])
            elif name in (",", ";", "quad"):
                out.append(" ")
            else:
                out.append(html.escape(command))
        elif char == "{":
            content, i = _group(tex, i)
            out.append(tex_html(content, italic=italic))
        elif char.isalpha():
            match = re.match(r"[A-Za-z]+", tex[i:])
            word = match.group(0) if match else char
            i += len(word)
            out.append(f"<I>{word}</I>" if italic and len(word) <= 3 else word)
        elif char == " ":
            i += 1
        else:
            out.append(html.escape(char))
            i += 1
    return "".join(out)


def _sorted_factors(
    factors: Sequence[sympy.Expr], names: Mapping[sympy.Symbol, str]
) -> list[sympy.Expr]:
    """Numbers first, then bracketed sums, then symbols in the order ``names`` lists them
    (a model's parameters, then observables), then the rest."""
    order = {symbol: i for i, symbol in enumerate(names)}

    def key(factor: sympy.Expr) -> tuple[int, int]:
        if factor.is_Number:
            return (0, 0)
        if factor.is_Add:
            return (1, 0)
        base = factor.as_base_exp()[0]
        return (2, order.get(base, len(order)))

    return sorted(factors, key=key)


def expression_html(expression: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> str:
    """A rate expression as a Graphviz HTML label, with the model's symbols (``names``: LaTeX
    of every symbol, as :attr:`hemomodels.Model.latex_names`).

    Examples
    --------
    >>> import sympy
    >>> a, s, p = sympy.symbols("a s p")
    >>> expression_html(2 * p * (1 - a * s), {a: "a_1", s: "s", p: "p_1"})
    '2(1 − <I>a</I><SUB>1</SUB><I>s</I>)<I>p</I><SUB>1</SUB>'
    >>> expression_html(a / p, {a: r"\\beta", p: "T_2"})
    'β/<I>T</I><SUB>2</SUB>'
    """
    return _html(sympy.factor_terms(expression), names)


def _html(expression: sympy.Expr, names: Mapping[sympy.Symbol, str]) -> str:
    if isinstance(expression, sympy.Symbol):
        return tex_html(names.get(expression, expression.name))
    if expression.is_Integer:
        return str(expression).replace("-", "−")
    if expression.is_Rational:
        return f"{expression.p}/{expression.q}".replace("-", "−")
    if expression.is_Float:
        return f"{float(expression):.4g}".replace("-", "−")
    if expression.is_NumberSymbol:
        return {"pi": "π", "E": "e"}.get(str(expression), str(expression))
    if expression.is_Add:
        terms = list(expression.as_ordered_terms())
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        terms = positive[:1] + [t for t in terms if t is not (positive[:1] or [None])[0]]
        text = ""
        for index, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            body = _html(-term if negative else term, names)
            if index == 0:
                text = ("−" if negative else "") + body
            else:
                text += (" − " if negative else " + ") + body
        return text
    if expression.is_Mul:
        numerator, denominator = expression.as_numer_denom()
        if denominator != 1:
            top = _html(numerator, names)
            if numerator.is_Add:
                top = f"({top})"
            bottom = _html(denominator, names)
            if denominator.is_Add or denominator.is_Mul:
                bottom = f"({bottom})"
            return f"{top}/{bottom}"
        coefficient, factors = expression.as_coeff_mul()
        parts = []
        for factor in _sorted_factors(factors, names):
            part = _html(factor, names)
            if factor.is_Add:
                part = f"({part})"
            elif isinstance(factor, sympy.Function):
                part = f" {part} "
            parts.append(part)
        body = re.sub(" +", " ", "".join(parts))
        if coefficient == 1:
            return body.strip()
        if coefficient == -1:
            return "−" + body.strip()
        return (_html(coefficient, names) + body).strip()
    if expression.is_Pow:
        base, exponent = expression.as_base_exp()
        if exponent.is_negative:
            return f"1/{_html(base ** (-exponent), names)}"
        shown = _html(base, names)
        if base.is_Add or base.is_Mul or base.is_Pow:
            shown = f"({shown})"
        return f"{shown}<SUP>{_html(exponent, names)}</SUP>"
    if isinstance(expression, sympy.log):
        return "ln " + _html(expression.args[0], names)
    if isinstance(expression, sympy.Function) or isinstance(expression, (sympy.Min, sympy.Max)):
        name = type(expression).__name__.lower()
        return f"{name}(" + ", ".join(_html(a, names) for a in expression.args) + ")"
    return html.escape(str(expression))


# ----------------------------------------------------------------------------- structure


def _nominal(model: Model) -> dict[sympy.Symbol, float]:
    """Default parameters, initial states and the observables computed from them."""
    values: dict[sympy.Symbol, float] = {p.symbol: p.value for p in model.parameters}
    values.update({s.symbol: s.initial for s in model.states})
    plain = {k: sympy.Float(v) for k, v in values.items()}
    for observable, expression in zip(model.observables, model.observable_expressions, strict=True):
        with_numbers = expression.xreplace(plain)
        try:
            values[observable.symbol] = float(with_numbers)
        except (TypeError, ValueError, ZeroDivisionError):
            values[observable.symbol] = math.nan
    return values


def _sign(expression: sympy.Expr, nominal: Mapping[sympy.Symbol, float]) -> float:
    """The sign of ``expression``: from the symbols' assumptions where they decide it (a
    rate declared non-negative, e.g. an immune kill rate that is 0 by default), otherwise at
    the nominal point (NaN if it cannot be evaluated there)."""
    if expression.is_zero:
        return 0.0
    if expression.is_nonnegative:
        return 1.0
    if expression.is_nonpositive:
        return -1.0
    try:
        value = float(expression.xreplace({k: sympy.Float(v) for k, v in nominal.items()}))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    if math.isnan(value):
        return math.nan
    return float(value > 0) - float(value < 0)


def _undeclared_flows(model: Model) -> list[sympy.Expr]:
    """Each state's right-hand side without its flows (the part declared as ``rhs``)."""
    rhs = list(model.rhs_display)
    for flow in model.flows:
        if flow.source is not None:
            rhs[model.state_index[flow.source.name]] += flow.rate
        if flow.target is not None:
            rhs[model.state_index[flow.target.name]] -= flow.rate
    return rhs


class _Structure:
    """Boxes and arrows of ``model`` (see the module)."""

    def __init__(
        self,
        model: Model,
        inputs: Mapping[str, str],
        groups: Sequence[tuple[str, Sequence[str]]],
        losses: bool,
    ) -> None:
        self.model = model
        self.nominal = _nominal(model)
        self.states = {s.symbol: s.name for s in model.states}
        self.observables = {o.symbol: o for o in model.observables}
        treatment = {
            model.parameter(name).symbol: model.parameter(name).value
            for name in inputs
            if name in model.parameter_names
        }
        self.shown = {k: sympy.Float(v) for k, v in treatment.items()}
        self.arrows: list[Arrow] = []
        self.boxes: list[Box] = []
        group_of = {name: title for title, names in groups for name in names}
        for state in model.states:
            self.boxes.append(
                Box(
                    state.name,
                    "compartment",
                    state.display_label,
                    state.tex,
                    reader_unit(state.unit),
                    group_of.get(state.name, ""),
                )
            )
        self.outgoing: dict[str, list[sympy.Expr]] = {s.name: [] for s in model.states}
        self._flows(losses)
        rhs = _undeclared_flows(model)
        for j, expression in enumerate(rhs):
            self._productions(model.states[j].name, expression)
        for j, expression in enumerate(rhs):
            self._own_terms(model.states[j].name, expression, losses)
        self._feedback()
        self._inputs(inputs)

    def rate(self, expression: sympy.Expr) -> sympy.Expr:
        """A rate as labelled: treatments at their default (off) values."""
        return sympy.factor_terms(sympy.sympify(expression).xreplace(self.shown))

    def _flows(self, losses: bool) -> None:
        for flow in self.model.flows:
            if flow.source is not None:
                per_cell = sympy.cancel(flow.rate / flow.source.symbol)
                self.outgoing[flow.source.name].append(per_cell)
                if flow.target is not None:
                    self.arrows.append(
                        Arrow("flow", flow.source.name, flow.target.name, self.rate(per_cell))
                    )
                elif losses:
                    self.arrows.append(
                        Arrow("loss", flow.source.name, "outside", self.rate(per_cell))
                    )
            elif flow.target is not None:
                self.arrows.append(Arrow("supply", "outside", flow.target.name, flow.rate))

    def _productions(self, name: str, expression: sympy.Expr) -> None:
        """Arrows into ``name`` from the other states its right-hand side depends on."""
        for symbol, other in self.states.items():
            if other == name or symbol not in expression.free_symbols:
                continue
            coefficient = sympy.diff(expression, symbol)
            linear = symbol not in coefficient.free_symbols
            if linear and _sign(coefficient, self.nominal) >= 0:
                self.outgoing[other].append(coefficient)
                self.arrows.append(Arrow("production", other, name, self.rate(coefficient)))
            else:
                self.arrows.append(Arrow("regulation", other, name))

    def _own_terms(self, name: str, expression: sympy.Expr, losses: bool) -> None:
        """Renewal, loss and supply terms of ``name``'s right-hand side."""
        x = self.model.states[self.model.state_index[name]].symbol
        shared = set().union(*(c.free_symbols for c in self.outgoing[name]))
        renewal, loss, supply = sympy.Integer(0), sympy.Integer(0), sympy.Integer(0)
        for term in sympy.Add.make_args(sympy.expand(expression)):
            present = term.free_symbols & set(self.states)
            if not present:
                if _sign(term, self.nominal) > 0:
                    supply += term
                continue
            if present != {x}:
                continue
            coefficient, rest = term.as_independent(x, as_Add=False)
            if rest != x:
                continue
            sign = _sign(coefficient, self.nominal)
            if sign > 0:
                renewal += coefficient
            elif sign < 0 and not coefficient.free_symbols & set(self.observables):
                if not coefficient.free_symbols & shared:
                    loss -= coefficient
        if renewal != 0:
            self.arrows.append(Arrow("renewal", name, name, self.rate(renewal)))
        if loss != 0 and losses:
            self.arrows.append(Arrow("loss", name, "outside", self.rate(loss)))
        if supply != 0:
            self.arrows.append(Arrow("supply", "outside", name, self.rate(supply)))

    def _feedback(self) -> None:
        """Dashed arrows for dependences through observables."""
        model = self.model
        state_order = list(model.state_names)
        for observable, expression in zip(
            model.observables, model.observable_expressions, strict=True
        ):
            sources = [self.states[s] for s in expression.free_symbols if s in self.states]
            sources.sort(key=state_order.index)
            targets = [
                state.name
                for state, rhs in zip(model.states, model.rhs_display, strict=True)
                if observable.symbol in rhs.free_symbols and state.name not in sources
            ]
            if not sources or not targets:
                continue
            label = observable.display_label
            if len(sources) * len(targets) > 1:
                self.boxes.append(Box(observable.name, "signal", label, observable.tex))
                for source in sources:
                    self.arrows.append(Arrow("feedback", source, observable.name, via=label))
                for target in targets:
                    self.arrows.append(Arrow("feedback", observable.name, target, via=label))
            else:
                for source in sources:
                    for target in targets:
                        self.arrows.append(
                            Arrow("feedback", source, target, via=label, symbol=observable.tex)
                        )

    def _inputs(self, inputs: Mapping[str, str]) -> None:
        model = self.model
        for name, label in inputs.items():
            key = f"input:{name}"
            self.boxes.append(Box(key, "input", label))
            if name in model.state_names:
                self.arrows.append(Arrow("dose", key, name))
                continue
            symbol = model.parameter(name).symbol
            for state, rhs in zip(model.states, model.rhs_display, strict=True):
                used = set(rhs.free_symbols)
                for observable, expression in zip(
                    model.observables, model.observable_expressions, strict=True
                ):
                    if observable.symbol in used:
                        used |= expression.free_symbols
                if symbol in used:
                    self.arrows.append(Arrow("treatment", key, state.name))


def build(
    model: Model,
    *,
    inputs: Mapping[str, str] | None = None,
    groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    direction: str | None = None,
    losses: bool | None = None,
) -> ModelDiagram:
    """The diagram of ``model`` (see the module and :meth:`hemomodels.Model.diagram`), not yet
    drawn: building it needs no Graphviz.

    Examples
    --------
    >>> import hemomodels as hm
    >>> picture = build(hm.models.friberg2002(), inputs={"Conc": "Docetaxel infusion"})
    >>> sorted({a.kind for a in picture.arrows})
    ['dose', 'feedback', 'flow', 'loss', 'renewal']
    """
    layout = model.diagram_layout
    chosen = dict(layout.inputs)
    if inputs is not None:
        chosen.update(_inputs(inputs))
    for name in chosen:
        rules.name(
            name,
            "inputs",
            [*model.state_names, *model.parameter_names],
            kind="state or parameter",
            model=model.name,
        )
    chosen_groups = layout.groups if groups is None else _groups(groups)
    seen: set[str] = set()
    for _, names in chosen_groups:
        for name in names:
            rules.name(name, "groups", model.state_names, kind="state", model=model.name)
            if name in seen:
                raise ModelError(
                    f"{model.name}: state {name!r} is in two groups; allowed: each state in at "
                    "most one group.",
                    field="groups",
                    value=name,
                )
            seen.add(name)
    direction = rules.choice(
        layout.direction if direction is None else direction, "direction", DIRECTIONS
    )
    losses = layout.losses if losses is None else rules.flag(losses, "losses")
    structure = _Structure(model, chosen, chosen_groups, losses)
    return ModelDiagram(
        model.name,
        structure.boxes,
        structure.arrows,
        latex_names={
            **{p.symbol: p.tex for p in model.parameters},
            **{o.symbol: o.tex for o in model.observables},
            **model.latex_names,
        },
        groups=chosen_groups,
        direction=direction,
        wrap=layout.wrap,
    )


# ----------------------------------------------------------------------------- the diagram


def _in_sentence(label: str) -> str:
    """A label inside a sentence: lower-case first letter unless it starts an acronym."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _wrapped(label: str, wrap: int = 20) -> list[str]:
    """A box's name on as few lines as keep each at most ``wrap`` characters (a longer
    word stays whole), the lines as even as the words allow.

    Examples
    --------
    >>> _wrapped("Imatinib-sensitive leukaemic stem cells")
    ['Imatinib-sensitive', 'leukaemic stem cells']
    """
    lines = textwrap.wrap(label, wrap, break_long_words=False, break_on_hyphens=False) or [label]
    for width in range(1, wrap + 1):
        trial = textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False)
        if len(trial) <= len(lines):
            return trial
    return lines


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class ModelDiagram:
    """A model's diagram: its boxes and arrows, a text alternative and the drawing.

    Built by :func:`build` (or :meth:`hemomodels.Model.diagram`, which also draws it). In
    Jupyter and in the book it shows as an inline SVG with ``role="img"``, a ``<title>`` and
    a ``<desc>`` holding :meth:`describe`, inside ``<div class="hm-diagram">``; its plain-text
    form is the description.

    Attributes
    ----------
    title : str
        The model's name.
    boxes : list of Box
        Compartments, signals and inputs.
    arrows : list of Arrow
        Every arrow of the drawing.
    groups : tuple of tuple
        Groups of compartments, as pairs (title, state names).
    direction : {"TB", "LR"}
        Top to bottom or left to right.
    wrap : int
        Longest line of a box's name, in characters.

    Examples
    --------
    >>> import hemomodels as hm
    >>> picture = build(hm.models.tetschke2018())
    >>> print(picture.describe().splitlines()[-1])
    Dashed arrow from haemoglobin mass to EPO-responsive progenitors: EPO feedback.
    """

    def __init__(
        self,
        title: str,
        boxes: Sequence[Box],
        arrows: Sequence[Arrow],
        *,
        latex_names: Mapping[sympy.Symbol, str],
        groups: Sequence[tuple[str, Sequence[str]]] = (),
        direction: str = "TB",
        wrap: int = 20,
    ) -> None:
        self.title = title
        self.wrap = wrap
        self.boxes = list(boxes)
        self.arrows = list(arrows)
        self.groups = tuple((t, tuple(n)) for t, n in groups)
        self.direction = direction
        self._names = dict(latex_names)
        self._svg: str | None = None

    # ------------------------------------------------------------------ reading
    def box(self, key: str) -> Box:
        """The box called ``key`` (a state's, observable's or input's name).

        Examples
        --------
        >>> import hemomodels as hm
        >>> build(hm.models.tetschke2018()).box("hb_mass").label
        'Haemoglobin mass'
        """
        for box in self.boxes:
            if box.key == key:
                return box
        raise KeyError(key)

    def edges(self, kind: str | None = None) -> set[tuple[str, str]]:
        """(source, target) of every arrow, or of the arrows of one ``kind``.

        Examples
        --------
        >>> import hemomodels as hm
        >>> sorted(build(hm.models.tetschke2018()).edges("production"))
        [('precursors', 'hb_mass'), ('progenitors', 'precursors')]
        """
        return {(a.source, a.target) for a in self.arrows if kind is None or a.kind == kind}

    def _words(self, key: str) -> str:
        if key == "outside":
            return "outside the model"
        return _in_sentence(self.box(key).label)

    def describe(self) -> str:
        """The text alternative: one sentence for the diagram, each compartment and each
        arrow, in words (no code names), one per line.

        Examples
        --------
        >>> import hemomodels as hm
        >>> print(build(hm.models.marciniak_czochra_2009()).describe().splitlines()[0])
        Diagram of the model Marciniak-Czochra et al. 2009 (self-renewal feedback).
        """
        lines = [f"Diagram of the model {self.title}."]
        for box in self.boxes:
            if box.kind == "compartment":
                unit = f", in {box.unit}" if box.unit else ""
                group = f" (group: {box.group})" if box.group else ""
                lines.append(f"Compartment: {box.label}{unit}{group}.")
            elif box.kind == "signal":
                lines.append(f"Oval: the {_in_sentence(box.label)}.")
        for arrow in self.arrows:
            source, target = self._words(arrow.source), self._words(arrow.target)
            if arrow.kind in ("flow", "production"):
                lines.append(f"Arrow from {source} to {target}.")
            elif arrow.kind == "renewal":
                lines.append(f"Loop arrow on {source}: renewal.")
            elif arrow.kind == "loss":
                lines.append(f"Arrow from {source} out of the model: loss.")
            elif arrow.kind == "supply":
                lines.append(f"Arrow into {target} from outside the model: supply.")
            elif arrow.kind == "dose":
                lines.append(f"Input: {source} into {target}.")
            elif arrow.kind == "treatment":
                lines.append(f"Dashed arrow from {source} to {target}: treatment.")
            elif arrow.kind == "feedback":
                signals = {b.key for b in self.boxes if b.kind == "signal"}
                if arrow.source in signals:
                    lines.append(f"Dashed arrow from the {source} to {target}.")
                elif arrow.target in signals:
                    lines.append(f"Dashed arrow from {source} to the {target}.")
                else:
                    lines.append(
                        f"Dashed arrow from {source} to {target}: {_in_sentence(arrow.via)}."
                    )
            else:
                lines.append(f"Dashed arrow from {source} to {target}: regulation.")
        return "\n".join(lines)

    # ------------------------------------------------------------------ drawing
    def _box_label(self, box: Box, units_in_boxes: bool) -> str:
        label = box.label
        if box.group and label.lower().startswith(box.group.lower() + " "):
            label = _capitalised(label[len(box.group) + 1 :])
        text = "<BR/>".join(html.escape(line) for line in _wrapped(label, self.wrap))
        details = []
        if box.symbol:
            details.append(tex_html(box.symbol))
        if box.unit and units_in_boxes:
            details.append(html.escape(box.unit))
        if details:
            shown = " · ".join(details)
            # a taller (invisible) space lowers the line, so a superscript clears the name
            spacer = f'<FONT POINT-SIZE="{FONT_SIZE + 6}"> </FONT>' if "<SUP>" in shown else ""
            text += f'<BR/>{spacer}<FONT POINT-SIZE="{SMALL_FONT_SIZE}">{shown}</FONT>'
        return f"<{text}>"

    def _arrow_label(self, arrow: Arrow) -> str:
        signals = {b.key for b in self.boxes if b.kind == "signal"}
        if arrow.kind == "feedback" and not {arrow.source, arrow.target} & signals:
            symbol = f" {tex_html(arrow.symbol)}" if arrow.symbol else ""
            return f"<{html.escape(arrow.via)}{symbol}>"
        if arrow.rate is not None and arrow.kind != "renewal":  # loops stay unlabelled: compact
            return f"<{expression_html(arrow.rate, self._names)}>"
        return ""

    def common_unit(self) -> str:
        """The unit shared by every compartment, or empty (then each box shows its own).

        Examples
        --------
        >>> import hemomodels as hm
        >>> build(hm.models.marciniak_czochra_2009()).common_unit()
        'cells/kg'
        """
        units = {b.unit for b in self.boxes if b.kind == "compartment"}
        return units.pop() if len(units) == 1 else ""

    def dot_source(self) -> str:
        """The Graphviz ``dot`` description of the drawing (node names carry no code names).

        Examples
        --------
        >>> import hemomodels as hm
        >>> print(build(hm.models.tetschke2018()).dot_source().splitlines()[0])
        digraph {
        """
        ids = {box.key: f"n{i}" for i, box in enumerate(self.boxes)}
        shared = self.common_unit()
        small = f'fontsize="{SMALL_FONT_SIZE}"'
        lines = [
            "digraph {",
            f'  graph [rankdir="{self.direction}", bgcolor="transparent", fontname="{FONT}", '
            f'fontsize="{SMALL_FONT_SIZE}", nodesep="0.3", ranksep="0.4", pad="0.1", '
            'newrank="true"];',
            f'  node [fontname="{FONT}", fontsize="{FONT_SIZE}", shape="box", style="rounded", '
            'margin="0.12,0.06"];',
            f'  edge [fontname="{FONT}", {small}, arrowsize="0.8"];',
        ]
        if shared:
            lines.append(f'  label=<All compartments in {html.escape(shared)}>; labelloc="b";')
        grouped = {name for _, names in self.groups for name in names}
        for index, (title, names) in enumerate(self.groups):
            lines.append(f"  subgraph cluster_{index} {{")
            heading = "<BR/>".join(html.escape(line) for line in _wrapped(title, self.wrap))
            lines.append(
                f'    label=<{heading}>; labelloc="t"; style="rounded,dashed"; '
                f'fontsize="{FONT_SIZE}";'
            )
            for name in names:
                lines.append(
                    f"    {ids[name]} [label={self._box_label(self.box(name), not shared)}];"
                )
            lines.append("  }")
        for box in self.boxes:
            if box.key in grouped:
                continue
            if box.kind == "compartment":
                lines.append(f"  {ids[box.key]} [label={self._box_label(box, not shared)}];")
            elif box.kind == "input":
                lines.append(
                    f'  {ids[box.key]} [label=<{html.escape(box.label)}>, shape="plaintext"];'
                )
                lines.append(f"  {{rank=min; {ids[box.key]};}}")
        group_of = {name: title for title, names in self.groups for name in names}
        signals = {b.key for b in self.boxes if b.kind == "signal"}
        for number, arrow in enumerate(self.arrows):
            attributes = []
            label = self._arrow_label(arrow)
            if label:
                attributes.append(f"label={label}")
            if ARROW_KINDS[arrow.kind] == "dashed":
                attributes.append('style="dashed"')
            source, target = ids.get(arrow.source), ids.get(arrow.target)
            if arrow.source == "outside":
                source = f"out{number}"
                lines.append(f'  {source} [shape="none", label="", width="0", height="0"];')
            if arrow.target == "outside":
                target = f"out{number}"
                lines.append(f'  {target} [shape="none", label="", width="0", height="0"];')
            crosses = group_of.get(arrow.source, "") != group_of.get(arrow.target, "")
            into_signal = arrow.target in signals
            if (arrow.kind in ("feedback", "regulation", "treatment") and not into_signal) or (
                arrow.kind in ("flow", "production") and crosses
            ):
                attributes.append('constraint="false"')
            if arrow.kind == "renewal":
                side = "w" if self.direction == "TB" else "n"
                source, target = f"{source}:{side}", f"{target}:{side}"
            lines.append(f"  {source} -> {target} [{', '.join(attributes)}];")
        # signals last: placed after (right of) the losses, on the side of the feedback arrows
        for box in self.boxes:
            if box.kind == "signal":
                label = f"<{html.escape(box.label)}<BR/>{tex_html(box.symbol)}>"
                lines.append(f'  {ids[box.key]} [label={label}, shape="ellipse", style="dashed"];')
        lines.append("}")
        return "\n".join(lines)

    def svg(self) -> str:
        """The drawing: an accessible SVG (drawn by Graphviz once, then kept).

        Raises
        ------
        hemomodels.extras.MissingExtraError
            If the ``graphviz`` Python package or Graphviz's ``dot`` program is missing.

        Examples
        --------
        >>> import hemomodels as hm
        >>> svg = build(hm.models.tetschke2018()).svg()
        >>> svg.startswith("<svg") and "<title" in svg and "<desc" in svg
        True
        """
        if self._svg is None:
            self._svg = render_svg(self.dot_source(), self.describe())
        return self._svg

    def html(self) -> str:
        """The drawing for a web page: the SVG inside ``<div class="hm-diagram">``.

        The SVG shrinks with its container but never below the width at which its smallest
        text is ``MIN_TEXT_PX`` (12) pixels high; a diagram that cannot shrink that far on a
        narrow screen scrolls sideways inside its box, which is then focusable (keyboard
        users can scroll it) and named like the diagram.

        Examples
        --------
        >>> import hemomodels as hm
        >>> page = build(hm.models.marciniak_czochra_2009()).html()
        >>> page.startswith('<div class="hm-diagram"') and "min-width" in page
        True
        """
        svg = self.svg()
        match = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', svg)
        natural = float(match.group(1)) if match else 0.0
        smallest = math.ceil(MIN_TEXT_PX * natural / SMALL_FONT_SIZE)
        svg = svg.replace(
            'style="max-width: 100%;', f'style="min-width: {smallest}px; max-width: 100%;', 1
        )
        focus = ""
        if smallest > NARROW_SCREEN_PX:
            title = html.escape(self.describe().splitlines()[0])
            focus = f' tabindex="0" role="region" aria-label="{title} (scrolls sideways)"'
        return f'<div class="hm-diagram" style="overflow-x: auto;"{focus}>{svg}</div>'

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {
            "text/html": self.html(),
            "image/svg+xml": self.svg(),
            "text/plain": self.describe(),
        }

    def __repr__(self) -> str:
        kinds = sorted({b.kind for b in self.boxes})
        return (
            f"<ModelDiagram of {self.title!r}: {len(self.boxes)} boxes ({', '.join(kinds)}), "
            f"{len(self.arrows)} arrows>"
        )


def render_svg(source: str, description: str) -> str:
    """Draw a ``dot`` description with Graphviz into an inline, accessible SVG.

    The SVG has ``role="img"``, a ``<title>`` (the first line of ``description``) and a
    ``<desc>`` (its other lines, as one paragraph) that name it for screen readers;
    Graphviz's own tooltips (node names) and element ids are removed; lines and text take the
    page's text colour (``currentColor``); it keeps its natural size but never overflows its
    container.

    Raises
    ------
    hemomodels.extras.MissingExtraError
        If the ``graphviz`` package (``pip install 'hemomodels[diagrams]'``) or the ``dot``
        program (``apt-get install graphviz``) is missing.

    Examples
    --------
    >>> svg = render_svg("digraph { a -> b }", "Two boxes." + chr(10) + "Arrow from a to b.")
    >>> svg.startswith("<svg") and 'role="img"' in svg
    True
    >>> "<desc" in svg and "Arrow from a to b." in svg
    True
    """
    try:
        import graphviz
    except ImportError:
        raise missing_extra("graphviz", "Model.diagram") from None
    try:
        raw = graphviz.Source(source, engine="dot").pipe(format="svg", encoding="utf-8", quiet=True)
    except graphviz.ExecutableNotFound:
        raise MissingExtraError(
            "Model.diagram needs Graphviz's dot program, which is not installed: "
            "apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS) or "
            "conda install graphviz",
            "diagrams",
        ) from None
    except graphviz.CalledProcessError as error:
        raise ModelError(
            f"Graphviz could not draw the diagram ({description.splitlines()[0]}): {error.stderr}",
            field="diagram",
        ) from None
    uid = "hm-diagram-" + hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]
    text = raw[raw.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<title>.*?</title>", "", text, flags=re.DOTALL)
    text = re.sub(r'(<(?:g|a)\b[^>]*?)\s(?:id|xlink:title)="[^"]*"', r"\1", text)
    text = re.sub(r'(<(?:g|a)\b[^>]*?)\s(?:id|xlink:title)="[^"]*"', r"\1", text)
    text = re.sub(r'(stroke|fill)="black"', r'\1="currentColor"', text)
    text = re.sub(r"<text(?![^>]*\bfill=)", '<text fill="currentColor"', text)
    text = re.sub(r"\n\s*\n", "\n", text)
    opening = re.match(r"<svg\b[^>]*>", text)
    assert opening is not None
    attributes = opening.group(0)[4:-1]
    title, *sentences = description.splitlines()
    head = (
        f'<svg{attributes} role="img" aria-labelledby="{uid}-title {uid}-desc" '
        'class="hm-diagram-svg" style="max-width: 100%; height: auto;" focusable="false">'
        f'<title id="{uid}-title">{html.escape(title)}</title>'
        f'<desc id="{uid}-desc">{html.escape(" ".join(sentences))}</desc>'
    )
    return head + text[opening.end() :].strip()
