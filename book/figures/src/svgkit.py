"""A few drawing primitives for the book's hand-laid-out SVG figures.

The figures are drawn on a canvas 360 units wide, shown 360-420 px wide in the book, so one unit
is about one CSS pixel on a phone: a 13-unit font is a 13 px font at 390 px. Every label is a
real ``<text>`` element (never a path), in a font stack that ends in a generic sans-serif, so
readers can select, search and zoom the text and screen readers can fall back on it.

Colours are the Okabe-Ito colour-blind-safe palette (dark shades for lines and text, light
tints for fills) on a white card, so the figures read on light and dark pages alike and every
colour is repeated in words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

FONT = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
MONO = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"
WIDTH = 360.0
INK = "#1f1f1f"
MUTED = "#4d4d4d"
CARD = "#ffffff"
CARD_EDGE = "#c9c9c9"

# Okabe-Ito: (line/text shade, light fill tint)
ORANGE = ("#966300", "#fdf0d2")
SKY = ("#2a7fb0", "#def0fa")
GREEN = ("#00785a", "#d5f0e6")
YELLOW = ("#8a7d00", "#fbf6c8")
BLUE = ("#0060a0", "#d9e8f5")
VERMILLION = ("#a34100", "#fbe2d4")
PURPLE = ("#a3487e", "#f6e1ee")
GREY = ("#6b6b6b", "#efefef")

MARROW_FILL = "#f7f2e8"
BLOOD_FILL = "#fcebea"

# Approximate advance widths in em of DejaVu Sans, the widest common fallback; used only to
# size boxes (the browser test measures the real text).
_NARROW = set("ijlt.,:;'!|()[]/ ")
_WIDE = set("mwMW@%")


def text_width(text: str, size: float, bold: bool = False, mono: bool = False) -> float:
    """Approximate rendered width of ``text`` at ``size`` units (generous for DejaVu Sans).

    ``**`` bold markers are not counted; ``mono`` measures DejaVu Sans Mono (0.602 em).
    """
    text = text.replace("**", "")
    if mono:
        return 0.61 * size * len(text)
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.34
        elif ch in _WIDE:
            em += 0.88
        elif ch.isupper() or ch.isdigit():
            em += 0.68
        else:
            em += 0.6
    return em * size * (1.07 if bold else 1.0)


def wrap(
    text: str, width: float, size: float = 13, bold: bool = False, mono: bool = False
) -> list[str]:
    """Break ``text`` into lines that fit ``width`` units (by :func:`text_width`).

    ``\\n`` starts a new paragraph; a no-break space (U+00A0) keeps its neighbours together;
    ``**bold**`` runs may span several words and are closed and reopened across line breaks.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[tuple[str, bool]] = []
        strong = False
        for raw in paragraph.split(" "):
            parts = raw.split("**")
            # a word is bold if it starts inside a bold run or opens one
            word_bold = strong or (len(parts) > 1 and parts[0] == "")
            strong = strong ^ (len(parts) % 2 == 0)
            words.append(("".join(parts), word_bold))
        current: list[tuple[str, bool]] = []
        for word in words:
            trial = current + [word]
            plain = " ".join(w for w, _ in trial)
            if current and text_width(plain, size, bold, mono) > width:
                lines.append(_markup(current))
                current = [word]
            else:
                current = trial
        lines.append(_markup(current))
    return lines


def _markup(words: list[tuple[str, bool]]) -> str:
    """Join words, wrapping runs of bold words in ``**``."""
    out: list[str] = []
    run: list[str] = []
    for word, strong in words:
        if strong:
            run.append(word)
            continue
        if run:
            out.append("**" + " ".join(run) + "**")
            run = []
        out.append(word)
    if run:
        out.append("**" + " ".join(run) + "**")
    return " ".join(out)


def _spans(line: str) -> str:
    """Escaped SVG text for one line, with ``**bold**`` runs as bold tspans."""
    parts = line.split("**")
    return "".join(
        f'<tspan font-weight="bold">{escape(part)}</tspan>' if i % 2 else escape(part)
        for i, part in enumerate(parts)
        if part
    )


def fmt(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Canvas:
    """An SVG document built element by element, rendered once with :meth:`render`."""

    height: float
    title: str
    desc: str
    display_width: float = 420.0
    width: float = WIDTH
    parts: list[str] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)

    # -- structure -------------------------------------------------------------------------
    def open_group(self, cls: str | None = None, label: str | None = None) -> None:
        attrs = {}
        if cls:
            attrs["class"] = cls
        if label:
            attrs["data-label"] = label
        self.parts.append(f"<g{_attrs(attrs)}>")

    def close_group(self) -> None:
        self.parts.append("</g>")

    # -- shapes ----------------------------------------------------------------------------
    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str = "none",
        stroke: str | None = None,
        rx: float = 6,
        stroke_width: float = 1.5,
        dash: str | None = None,
        cls: str | None = None,
    ) -> None:
        attrs = {"x": x, "y": y, "width": w, "height": h, "rx": rx, "fill": fill}
        if stroke:
            attrs |= {"stroke": stroke, "stroke-width": stroke_width}
        if dash:
            attrs["stroke-dasharray"] = dash
        if cls:
            attrs["class"] = cls
        self.parts.append(f"<rect{_attrs(attrs)}/>")

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: str,
        stroke: str | None = None,
        stroke_width: float = 1.0,
    ) -> None:
        attrs = {"cx": cx, "cy": cy, "r": r, "fill": fill}
        if stroke:
            attrs |= {"stroke": stroke, "stroke-width": stroke_width}
        self.parts.append(f"<circle{_attrs(attrs)}/>")

    def ellipse(
        self, cx: float, cy: float, rx: float, ry: float, fill: str, stroke: str | None = None
    ) -> None:
        attrs = {"cx": cx, "cy": cy, "rx": rx, "ry": ry, "fill": fill}
        if stroke:
            attrs |= {"stroke": stroke, "stroke-width": 1}
        self.parts.append(f"<ellipse{_attrs(attrs)}/>")

    def path(
        self,
        d: str,
        stroke: str = INK,
        fill: str = "none",
        width: float = 1.5,
        dash: str | None = None,
        arrow: bool = False,
    ) -> None:
        attrs: dict[str, object] = {"d": d, "fill": fill}
        if stroke != "none":
            attrs |= {"stroke": stroke, "stroke-width": width}
            attrs["stroke-linejoin"] = "round"
        if dash:
            attrs["stroke-dasharray"] = dash
        if arrow:
            attrs["marker-end"] = f"url(#{self._marker(stroke)})"
        self.parts.append(f"<path{_attrs(attrs)}/>")

    def line(
        self,
        points: Sequence[tuple[float, float]],
        stroke: str = INK,
        width: float = 1.5,
        dash: str | None = None,
        arrow: bool = False,
    ) -> None:
        """A polyline through ``points``, optionally ending in an arrowhead."""
        d = "M" + " L".join(f"{fmt(x)} {fmt(y)}" for x, y in points)
        self.path(d, stroke=stroke, width=width, dash=dash, arrow=arrow)

    def _marker(self, colour: str) -> str:
        key = f"arrow-{colour.lstrip('#')}"
        if key not in self.markers:
            self.markers[key] = (
                f'<marker id="{key}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse" markerUnits="userSpaceOnUse">'
                f'<path d="M0 0 L10 5 L0 10 z" fill="{colour}"/></marker>'
            )
        return key

    # -- text ------------------------------------------------------------------------------
    def text(
        self,
        x: float,
        y: float,
        lines: str | Iterable[str],
        size: float = 13,
        bold: bool = False,
        italic: bool = False,
        anchor: str = "start",
        fill: str = INK,
        leading: float = 1.25,
        mono: bool = False,
    ) -> float:
        """Write one or more lines with the first baseline at ``y``; return the last baseline."""
        rows = [lines] if isinstance(lines, str) else list(lines)
        attrs: dict[str, object] = {"x": x, "y": y, "font-size": size, "fill": fill}
        if bold:
            attrs["font-weight"] = "bold"
        if italic:
            attrs["font-style"] = "italic"
        if anchor != "start":
            attrs["text-anchor"] = anchor
        if mono:
            attrs["font-family"] = MONO
        if len(rows) == 1:
            body = _spans(rows[0])
        else:
            step = size * leading
            body = "".join(
                f'<tspan x="{fmt(x)}" dy="{fmt(0 if i == 0 else step)}">{_spans(row)}</tspan>'
                for i, row in enumerate(rows)
            )
        self.parts.append(f"<text{_attrs(attrs)}>{body}</text>")
        return y + (len(rows) - 1) * size * leading

    # -- composites ------------------------------------------------------------------------
    def box(
        self,
        x: float,
        y: float,
        w: float,
        lines: str | Sequence[str],
        colour: tuple[str, str],
        size: float = 13,
        title: str | None = None,
        min_height: float = 0,
        pad: float = 8,
        leading: float = 1.25,
        rx: float = 7,
        dash: str | None = None,
        align: str = "start",
        label: str | None = None,
    ) -> float:
        """A filled box of width ``w`` with an optional bold title and body lines.

        ``lines`` is a list of lines or one string, wrapped to the box. Returns the box's bottom
        edge. The box and its text share a ``<g class="box">`` so the browser test can check
        that the text stays inside its box.
        """
        if isinstance(lines, str):
            lines = wrap(lines, w - 2 * pad, size)
        titles = wrap(title, w - 2 * pad, size, bold=True) if title else []
        line_h = size * leading
        h = pad * 2 + (len(titles) + len(lines)) * line_h - (line_h - size) + 2
        h = max(h, min_height)
        self.open_group("box", label or (title or (lines[0] if lines else "")))
        self.rect(x, y, w, h, fill=colour[1], stroke=colour[0], rx=rx, dash=dash)
        tx = {"start": x + pad, "middle": x + w / 2}[align]
        baseline = y + pad + size * 0.92 + 1
        if titles:
            self.text(tx, baseline, titles, size=size, bold=True, anchor=align, leading=leading)
            baseline += line_h * len(titles)
        if lines:
            self.text(tx, baseline, lines, size=size, anchor=align, leading=leading)
        self.close_group()
        return y + h

    def box_height(
        self,
        w: float,
        lines: str | Sequence[str],
        size: float = 13,
        title: str | None = None,
        pad: float = 8,
        leading: float = 1.25,
    ) -> float:
        """The height :meth:`box` would give these contents."""
        if isinstance(lines, str):
            lines = wrap(lines, w - 2 * pad, size)
        titles = wrap(title, w - 2 * pad, size, bold=True) if title else []
        line_h = size * leading
        return pad * 2 + (len(titles) + len(lines)) * line_h - (line_h - size) + 2

    def badge(self, cx: float, cy: float, label: str, colour: tuple[str, str], r: float = 11):
        """A numbered step marker."""
        self.circle(cx, cy, r, fill=colour[0])
        self.text(cx, cy + 4.6, label, size=13, bold=True, anchor="middle", fill="#ffffff")

    # -- output ----------------------------------------------------------------------------
    def render(self) -> str:
        height = fmt(self.height)
        scale = self.display_width / self.width
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-labelledby="figure-title figure-desc" viewBox="0 0 {fmt(self.width)} {height}" '
            f'width="{fmt(self.display_width)}" height="{fmt(self.height * scale)}" '
            f'font-family="{escape(FONT, {chr(34): "&quot;"})}">\n'
            f'<title id="figure-title">{escape(self.title)}</title>\n'
            f'<desc id="figure-desc">{escape(self.desc)}</desc>\n'
        )
        defs = "<defs>" + "".join(self.markers[k] for k in sorted(self.markers)) + "</defs>\n"
        card = (
            f'<rect class="card" x="1" y="1" width="{fmt(self.width - 2)}" '
            f'height="{fmt(self.height - 2)}" rx="12" fill="{CARD}" stroke="{CARD_EDGE}"/>\n'
        )
        return head + defs + card + "\n".join(self.parts) + "\n</svg>\n"


def _attrs(attrs: dict[str, object]) -> str:
    out = []
    for key, value in attrs.items():
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = fmt(float(value))
        out.append(f' {key}="{escape(str(value), {chr(34): "&quot;"})}"')
    return "".join(out)


# ------------------------------------------------------------------------------------------
# cell glyphs (schematic, not to scale)


def red_cell(c: Canvas, x: float, y: float, r: float = 7.5) -> None:
    c.circle(x, y, r, fill="#d55e00", stroke="#8f3a00")
    c.circle(x, y, r * 0.42, fill="#f2a877")


def sickle_cell(c: Canvas, x: float, y: float, r: float = 8.0) -> None:
    """A crescent: the outline of a sickled red cell."""
    d = (
        f"M{fmt(x - r)} {fmt(y + r * 0.2)} "
        f"Q{fmt(x)} {fmt(y - r * 1.3)} {fmt(x + r)} {fmt(y + r * 0.2)} "
        f"Q{fmt(x)} {fmt(y - r * 0.45)} {fmt(x - r)} {fmt(y + r * 0.2)} z"
    )
    c.path(d, stroke="#8f3a00", fill="#d55e00", width=1)


def reticulocyte(c: Canvas, x: float, y: float, r: float = 7.5) -> None:
    c.circle(x, y, r, fill="#e9895a", stroke="#8f3a00")
    for dx, dy in ((-2.5, -1.5), (1.8, -2.4), (0.5, 1.8), (-1.2, 2.8), (2.8, 1.0)):
        c.circle(x + dx, y + dy, 0.9, fill="#5a2400")


def platelets(c: Canvas, x: float, y: float) -> None:
    for dx, dy, rot in ((-4.5, -2.5, 20), (3.5, -3.5, -30), (-1.0, 4.0, 60)):
        c.parts.append(
            f'<ellipse cx="{fmt(x + dx)}" cy="{fmt(y + dy)}" rx="3.4" ry="2.2" fill="#cc79a7" '
            f'stroke="#7d3f63" stroke-width="0.8" '
            f'transform="rotate({rot} {fmt(x + dx)} {fmt(y + dy)})"/>'
        )


def megakaryocyte(c: Canvas, x: float, y: float) -> None:
    c.circle(x, y, 9, fill="#f6e1ee", stroke="#7d3f63")
    c.path(
        f"M{fmt(x - 4)} {fmt(y - 3)} q3 -4 6 -1 q4 2 1 5 q-3 4 -6 1 q-4 -2 -1 -5 z",
        stroke="none",
        fill="#7d3f63",
    )


def granulocyte(
    c: Canvas, x: float, y: float, lobes: int = 3, granules: str | None = None, r: float = 8.0
) -> None:
    """A granulocyte: pale cytoplasm, a lobed nucleus, optional coloured granules."""
    c.circle(x, y, r, fill="#efe8f2", stroke="#6d5a86")
    if granules:
        for k in range(9):
            a = 2 * math.pi * k / 9 + 0.3
            c.circle(x + 0.62 * r * math.cos(a), y + 0.62 * r * math.sin(a), 1.1, fill=granules)
    spread = {1: [0.0], 2: [-2.4, 2.4], 3: [-3.2, 0.0, 3.2]}[lobes]
    for i, dx in enumerate(spread):
        dy = -1.4 if i % 2 else 1.0
        c.circle(x + dx, y + dy, 2.3, fill="#4a3a78")
    if lobes > 1:
        pts = [(x + dx, y + (-1.4 if i % 2 else 1.0)) for i, dx in enumerate(spread)]
        c.line(pts, stroke="#4a3a78", width=1.3)


def monocyte(c: Canvas, x: float, y: float, r: float = 8.5) -> None:
    c.circle(x, y, r, fill="#ece9f1", stroke="#6d5a86")
    c.path(
        f"M{fmt(x - 4.5)} {fmt(y - 2.5)} q4.5 -3.5 9 0 q-1 3 -3 2 q-1.5 -1 -3 0 "
        f"q-1 4 -3 4 q-1.5 -2 0 -6 z",
        stroke="none",
        fill="#4a3a78",
    )


def lymphocyte(c: Canvas, x: float, y: float, granular: bool = False, r: float = 7.5) -> None:
    c.circle(x, y, r, fill="#dcebf7", stroke="#2f5d8a")
    c.circle(x - 0.6, y, r * 0.68, fill="#2f4f8f")
    if granular:
        for dx, dy in ((4.6, -3.0), (5.2, 2.2)):
            c.circle(x + dx, y + dy, 1.0, fill="#b34700")


def blast(c: Canvas, x: float, y: float, r: float = 8.5, nucleus: str = "#4a3a78") -> None:
    """An immature cell: thin rim of cytoplasm around a large round nucleus with a nucleolus."""
    c.circle(x, y, r, fill="#dfe4f3", stroke="#4a5a8a")
    c.circle(x, y, r * 0.72, fill=nucleus)
    c.circle(x + 1.6, y - 1.4, 1.3, fill="#9aa6d6")


def stem_cell(c: Canvas, x: float, y: float, r: float = 8.5) -> None:
    c.circle(x, y, r, fill="#fde7b5", stroke="#a86f00")
    c.circle(x, y, r * 0.6, fill="#a86f00")
