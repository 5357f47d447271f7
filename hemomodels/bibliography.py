"""The book's bibliography, shipped with the package: a parameter's ``source`` key resolves
to a formatted reference without the book.

The file is ``hemomodels/data/references.bib`` (the book's top-level ``references.bib`` is a
link to it). Only what the package's own entries use is parsed: ``@type{key, field = {…}}``
with braced or quoted values.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from . import rules
from .errors import unknown_name

__all__ = ["entries", "format_reference", "short_reference"]

_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
_FIELD = re.compile(r"(\w+)\s*=\s*", re.MULTILINE)


def _value(text: str, start: int) -> tuple[str, int]:
    """The braced, quoted or bare value starting at ``text[start]`` and the index after it."""
    opening = text[start]
    if opening == "{":
        depth, i = 0, start
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                return text[start + 1 : i], i + 1
            i += 1
        return text[start + 1 :], len(text)
    if opening == '"':
        end = text.index('"', start + 1)
        return text[start + 1 : end], end + 1
    match = re.match(r"[^,}\s]+", text[start:])
    return (match.group(0), start + match.end()) if match else ("", start)


@lru_cache(maxsize=1)
def entries() -> dict[str, dict[str, str]]:
    """Every entry of the shipped ``references.bib``: key → fields (plus ``"type"``).

    Examples
    --------
    >>> entries()["friberg2002"]["year"]
    '2002'
    """
    text = resources.files("hemomodels").joinpath("data/references.bib").read_text("utf-8")
    found: dict[str, dict[str, str]] = {}
    starts = list(_ENTRY.finditer(text))
    for number, match in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(text)
        body = text[match.end() : end]
        fields = {"type": match.group(1).lower()}
        position = 0
        while (field := _FIELD.search(body, position)) is not None:
            value, position = _value(body, field.end())
            fields[field.group(1).lower()] = " ".join(value.split())
        found[match.group(2)] = fields
    return found


#: TeX accent commands and the Unicode combining mark each stands for.
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "=": "\u0304",
    ".": "\u0307",
}
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "kappa": "κ", "mu": "μ"}


def _detex(text: str) -> str:
    """Plain Unicode for the TeX in titles and names: accents, dotless i, Greek letters,
    escaped characters and simple maths (``$\\beta^0$`` → ``β0``)."""
    text = re.sub(r"\\i(?![A-Za-z])\s*", "ı", text)
    text = re.sub(
        r"\\([\"'`^~=.]|[cvu](?=[\s{]))\s*\{?([A-Za-zı])\}?",
        lambda m: unicodedata.normalize("NFC", m.group(2) + _ACCENTS[m.group(1)]),
        text,
    )
    text = re.sub(r"\\(alpha|beta|gamma|delta|kappa|mu)\b", lambda m: _GREEK[m.group(1)], text)
    text = re.sub(r"\\([%&$#_])", r"\1", text)
    return text.replace("$", "").replace("^", "")


def _clean(text: str) -> str:
    return _detex(text).replace("{", "").replace("}", "").replace("---", "—").replace("--", "–")


def _authors(text: str) -> str:
    names = [n.strip() for n in _clean(text).split(" and ") if n.strip()]
    short = []
    for person in names:
        if person.lower() == "others":
            short.append("et al.")
            continue
        family, _, given = person.partition(",")
        initials = "".join(part[0] for part in given.replace("-", " ").split() if part)
        short.append(f"{family.strip()} {initials}".strip())
    if len(short) > 6:
        short = [*short[:6], "et al."]
    return ", ".join(short)


def format_reference(key: str) -> str:
    """One reference in the style of the book's bibliography: authors (year). Title.
    *Journal* volume:pages. doi.

    Examples
    --------
    >>> print(format_reference("michor2005"))  # doctest: +NORMALIZE_WHITESPACE
    Michor F, Hughes TP, Iwasa Y, Branford S, Shah NP, Sawyers CL, et al. (2005). Dynamics of
    chronic myeloid leukaemia. Nature 435:1267–1270. doi:10.1038/nature03669
    """
    known = entries()
    key = rules.name(key, "key", list(known), kind="references.bib key")
    if key not in known:
        raise unknown_name("references.bib key", key, known)
    fields = known[key]
    parts = []
    if "author" in fields:
        parts.append(f"{_authors(fields['author'])} ({fields.get('year', 'n.d.')}).")
    elif "organization" in fields or "institution" in fields:
        who = fields.get("organization") or fields.get("institution", "")
        parts.append(f"{_clean(who)} ({fields.get('year', 'n.d.')}).")
    if "title" in fields:
        title = _clean(fields["title"]).rstrip(".")
        parts.append(title if title.endswith(("?", "!")) else title + ".")
    venue = _clean(fields.get("journal") or fields.get("booktitle") or fields.get("publisher", ""))
    if venue:
        volume = fields.get("volume", "")
        pages = _clean(fields.get("pages", ""))
        detail = volume + (f":{pages}" if volume and pages else pages)
        parts.append(f"{venue} {detail}".strip() + ".")
    if "doi" in fields:
        parts.append(f"doi:{fields['doi']}")
    elif "url" in fields:
        parts.append(fields["url"])
    return " ".join(parts)


def short_reference(key: str) -> str:
    """Author–year label of a reference: ``"Friberg et al. 2002"``, ``"Hillman & Henderson
    1969"``, or the organisation for a label or report.

    Examples
    --------
    >>> short_reference("friberg2002"), short_reference("hillman1969iron")
    ('Friberg et al. 2002', 'Hillman & Henderson 1969')
    """
    known = entries()
    key = rules.name(key, "key", list(known), kind="references.bib key")
    fields = known[key]
    year = fields.get("year", "n.d.")
    if "shorthand" in fields:
        return _clean(fields["shorthand"])
    if "author" not in fields:
        who = fields.get("organization") or fields.get("institution") or key
        return f"{_clean(who)} {year}"
    names = [n.strip() for n in _clean(fields["author"]).split(" and ") if n.strip()]
    families = [n.partition(",")[0].strip() for n in names if n.lower() != "others"]
    if len(names) == 1:
        return f"{families[0]} {year}"
    if len(names) == 2 and len(families) == 2:
        return f"{families[0]} & {families[1]} {year}"
    return f"{families[0]} et al. {year}"
