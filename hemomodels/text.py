"""Text for readers: symbols in plain Unicode, numbers as a person writes them.

Examples
--------
>>> symbol_text("p_1"), human_number(4.571e8)
('p₁', '4.57 × 10⁸')
"""

from __future__ import annotations

import math
import re

__all__ = ["GREEK_LETTERS", "human_number", "quantity", "symbol_text", "time_unit_words"]

#: LaTeX names of Greek letters and the characters they stand for.
GREEK_LETTERS: dict[str, str] = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Omega": "Ω",
    "varphi": "φ",
}
_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUP = dict(
    zip(
        "0123456789+-=()ABDEGHIJKLMNOPRTUWabcdefghijklmnoprstuvwxyz",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁᵂᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ",
        strict=True,
    )
)


def symbol_text(latex: str | None) -> str | None:
    """A LaTeX symbol as plain Unicode text for labels (``"a_1"`` → ``"a₁"``), or ``None``
    when it has no faithful plain-text form.

    Examples
    --------
    >>> symbol_text("a_1"), symbol_text(r"\\gamma"), symbol_text(r"k_{el}")
    ('a₁', 'γ', 'kₑₗ')
    >>> symbol_text(r"\\mathrm{MTT}"), symbol_text(r"\\frac{a}{b}") is None
    ('MTT', True)
    """
    if not latex:
        return None
    text = re.sub(r"\\(?:mathrm|text|mathit)\{([^{}]*)\}", r"\1", latex)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK_LETTERS.get(m.group(1), "\x00"), text)

    def shift(table: dict[str, str]):
        def replace(match: re.Match[str]) -> str:
            body = match.group(1) or match.group(2)
            return "".join(table.get(c, "\x00") for c in body)

        return replace

    text = re.sub(r"_\{([^{}]*)\}|_(.)", shift(_SUB), text)
    text = re.sub(r"\^\{([^{}]*)\}|\^(.)", shift(_SUP), text)
    if "\x00" in text or re.search(r"[\\{}^_]", text) or not text.strip():
        return None
    return text.strip()


_SUPERSCRIPT_DIGITS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def human_number(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, powers of ten written out
    (``4.57 × 10⁸``) outside 0.001–100,000.

    Examples
    --------
    >>> human_number(0.8512), human_number(12345.6), human_number(2.5e-5), human_number(0)
    ('0.851', '12,346', '2.5 × 10⁻⁵', '0')
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
        text = f"{value:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    exponent = math.floor(math.log10(magnitude))
    mantissa = f"{value / 10**exponent:.{digits - 1}f}".rstrip("0").rstrip(".")
    if mantissa in ("10", "-10"):
        mantissa, exponent = mantissa[:-1], exponent + 1
    power = f"10{str(exponent).translate(_SUPERSCRIPT_DIGITS)}"
    return power if mantissa == "1" else f"{mantissa} × {power}"


def quantity(value: float, unit: str) -> str:
    """A value with its unit as a reader writes it: ``5.5 × 10⁹ cells/L`` for 5.5 in
    ``10^9 cells/L``; a value far from 1 in such a unit is written in the plain unit
    (2.91e-7 in ``10^9 cells/L`` is ``291 cells/L``), never with two powers of ten.

    Examples
    --------
    >>> quantity(5.5, "10^9 cells/L"), quantity(2.91e-7, "10^9 cells/L"), quantity(7, "g/dL")
    ('5.5 × 10⁹ cells/L', '291 cells/L', '7 g/dL')
    >>> quantity(0.25, "1")
    '0.25'
    """
    match = re.fullmatch(r"\s*10\^(-?\d+)\s*(.*)", unit)
    if match is None:
        from .units import reader_unit

        shown = reader_unit(unit)
        return f"{human_number(value)} {shown}".rstrip() if shown else human_number(value)
    exponent, rest = int(match.group(1)), match.group(2).strip()
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{human_number(value * 10.0**exponent)} {rest}".rstrip()
    power = f"10{str(exponent).translate(_SUPERSCRIPT_DIGITS)}"
    return f"{human_number(value)} × {power} {rest}".rstrip()


_PLURALS = {
    "day": "days",
    "d": "days",
    "h": "hours",
    "hour": "hours",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "min": "minutes",
}


def time_unit_words(unit: str) -> str:
    """A time unit as a reader writes it on an axis (``"day"`` → ``"days"``).

    Examples
    --------
    >>> time_unit_words("day"), time_unit_words("h"), time_unit_words("month of 30 days")
    ('days', 'hours', 'months of 30 days')
    """
    first, _, rest = unit.partition(" ")
    words = _PLURALS.get(first, first)
    return f"{words} {rest}".strip()
