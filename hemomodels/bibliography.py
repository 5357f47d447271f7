"""The book's bibliography, shipped with the package: a parameter's ``source`` key resolves
to a formatted reference without the book.

The file is ``hemomodels/data/references.bib`` (the book's top-level ``references.bib`` is a
link to it). Only what the package's own entries use is parsed: ``@type{key, field = {…}}``
with braced or quoted values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from . import rules

__all__ = ["Reference", "entries", "format_reference", "reference", "short_reference"]

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


@dataclass(frozen=True)
class Reference:
    """One entry of ``references.bib`` in the book's style, as plain-text pieces.

    The book's bibliography page (its Sphinx style, ``book/_ext/bibliography_style.py``) and
    :func:`format_reference` both assemble these pieces, so the package and the book cite
    alike.

    Attributes
    ----------
    key : str
        The ``references.bib`` key.
    label : str
        Author–year label, unique in the file: ``"Friberg et al. 2002"``, ``"Hillman &
        Henderson 1969"``, the entry's ``shorthand`` (``"Taxotere label"``), and a letter after
        the year when two entries would share a label (``"Stiehl et al. 2014a"``).
    authors : str
        ``"Michor F, Hughes TP, …, et al."`` (at most six names), or the organisation; ``""``
        when the entry names neither.
    year : str
        ``"2005"``, or ``"n.d."`` when the entry has no year.
    title : str
        Plain Unicode, ending with a full stop, question or exclamation mark.
    venue : str
        Journal, book, publisher, institution or how the work was published; ``""`` if none.
    detail : str
        ``volume:pages``, pages alone, or a report number; ``""`` if none.
    doi : str
        The DOI without ``https://doi.org/``; ``""`` when absent.
    url : str
        ``""`` when absent (or when there is a DOI).
    """

    key: str
    label: str
    authors: str
    year: str
    title: str
    venue: str
    detail: str
    doi: str
    url: str

    def __str__(self) -> str:
        parts = []
        if self.authors:
            parts.append(f"{self.authors} ({self.year}).")
        if self.title:
            parts.append(self.title)
        if self.venue or self.detail:
            parts.append(f"{self.venue} {self.detail}".strip() + ".")
        if self.doi:
            parts.append(f"doi:{self.doi}")
        elif self.url:
            parts.append(self.url)
        return " ".join(parts)


def _base_label(fields: dict[str, str], key: str) -> str:
    """Author–year label before disambiguation (see :class:`Reference`)."""
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


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    """Every key's label; entries that would share one get a, b, … by title."""
    known = entries()
    by_label: dict[str, list[str]] = {}
    for key, fields in known.items():
        by_label.setdefault(_base_label(fields, key), []).append(key)
    labels = {}
    for label, keys in by_label.items():
        if len(keys) == 1:
            labels[keys[0]] = label
            continue
        ordered = sorted(keys, key=lambda k: _clean(known[k].get("title") or k).casefold())
        for letter, key in zip("abcdefghijklmnopqrstuvwxyz", ordered, strict=False):
            labels[key] = label + letter
    return labels


def reference(key: str) -> Reference:
    """The pieces of one reference in the book's style (see :class:`Reference`).

    Examples
    --------
    >>> ref = reference("michor2005")
    >>> ref.label, ref.year, ref.detail, ref.doi
    ('Michor et al. 2005', '2005', '435:1267–1270', '10.1038/nature03669')
    >>> reference("stiehl2014interface").label
    'Stiehl et al. 2014a'
    """
    known = entries()
    key = rules.name(key, "key", list(known), kind="references.bib key")
    fields = known[key]
    if "author" in fields:
        authors = _authors(fields["author"])
    else:
        authors = _clean(fields.get("organization") or fields.get("institution", ""))
    title = _clean(fields.get("title", "")).rstrip(".")
    if title and not title.endswith(("?", "!")):
        title += "."
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher")
    if venue is None and fields.get("institution") and _clean(fields["institution"]) != authors:
        venue = fields["institution"]
    venue = _clean(venue or fields.get("howpublished", ""))
    volume, pages = fields.get("volume", ""), _clean(fields.get("pages", ""))
    detail = volume + (f":{pages}" if volume and pages else pages)
    if not detail and fields["type"] == "techreport" and "number" in fields:
        detail = f"Report {_clean(fields['number'])}"
    return Reference(
        key=key,
        label=_labels()[key],
        authors=authors,
        year=fields.get("year", "n.d."),
        title=title,
        venue=venue,
        detail=detail,
        doi=fields.get("doi", ""),
        url=fields.get("url", ""),
    )


def format_reference(key: str) -> str:
    """One reference in the style of the book's bibliography: authors (year). Title.
    *Journal* volume:pages. doi.

    Examples
    --------
    >>> print(format_reference("michor2005"))  # doctest: +NORMALIZE_WHITESPACE
    Michor F, Hughes TP, Iwasa Y, Branford S, Shah NP, Sawyers CL, et al. (2005). Dynamics of
    chronic myeloid leukaemia. Nature 435:1267–1270. doi:10.1038/nature03669
    """
    return str(reference(key))


def short_reference(key: str) -> str:
    """Author–year label of a reference, as in the book's reference list and citations:
    ``"Friberg et al. 2002"``, ``"Hillman & Henderson 1969"``, the entry's shorthand for a
    drug label or table, and a letter after the year when two entries would share a label.

    Examples
    --------
    >>> short_reference("friberg2002"), short_reference("hillman1969iron")
    ('Friberg et al. 2002', 'Hillman & Henderson 1969')
    """
    return reference(key).label
