"""The book's citation style: author–year labels, and entries formatted by the package.

sphinxcontrib-bibtex formats the reference list with a pybtex style and the citations in the
text with a referencing style. This registers one of each, both built on
:func:`hemomodels.bibliography.reference`, so the book and the package cite alike:

- ``bibtex_default_style = "hemomodels"``: every entry reads "Michor F, Hughes TP, …, et al.
  (2005). Dynamics of chronic myeloid leukaemia. *Nature* 435:1267–1270. doi:…" with its
  author–year label ("Michor et al. 2005"), sorted by label; no title case changes and no TeX
  left in the text (titles and names are converted to Unicode by the package).
- ``bibtex_reference_style = "hemomodels_author_year"``: ``{cite}`` and ``{cite:p}`` write
  "(Michor et al. 2005; Tang et al. 2011)", ``{cite:t}`` writes "Michor et al. (2005)". The
  label carries the letter that tells apart two works of the same authors and year
  ("Stiehl et al. 2014a"), so the text and the list always match.

Anchors stay ``cite-{key}`` (``bibtex_cite_id`` in _config.yml).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.richtext import HRef, Tag, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import node
from sphinx.application import Sphinx
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, GroupReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_label import (
    BasicLabelParentheticalReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_empty import ExtraEmptyReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_label import ExtraLabelReferenceStyle
from sphinxcontrib.bibtex.style.template import join2, post_text, pre_text, reference

from hemomodels.bibliography import Reference
from hemomodels.bibliography import reference as package_reference

STYLE = "hemomodels"
REFERENCE_STYLE = "hemomodels_author_year"

# "Michor et al. 2005", "Stiehl et al. 2014a", "Epogen label n.d." -> author part, year part
_LABEL_YEAR = re.compile(r"^(?P<author>.+?)\s+(?P<year>\d{4}[a-z]?|n\.d\.)$")


def split_label(label: str) -> tuple[str, str]:
    """("Michor et al.", "2005") from "Michor et al. 2005"; (label, "") for a shorthand."""
    match = _LABEL_YEAR.match(label)
    return (match["author"], match["year"]) if match else (label, "")


def entry_text(ref: Reference) -> Text:
    """Rich text of one entry: the package's pieces, the venue in italics, the DOI linked."""
    parts: list = []
    if ref.authors:
        parts += [f"{ref.authors} ({ref.year}). "]
    if ref.title:
        parts += [ref.title, " "]
    if ref.venue:
        parts += [Tag("em", ref.venue)]
    if ref.detail:
        parts += [" " if ref.venue else "", ref.detail]
    if ref.venue or ref.detail:
        parts += [". "]
    if ref.doi:
        parts += [HRef(f"https://doi.org/{ref.doi}", f"doi:{ref.doi}")]
    elif ref.url:
        parts += [HRef(ref.url, ref.url)]
    return Text(*parts)


class LabelStyle(BaseLabelStyle):
    """Author–year labels from the package (:func:`hemomodels.bibliography.short_reference`)."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield package_reference(entry.key).label


def sorting_key(label: str) -> tuple[str, int, str, str]:
    """Order of the reference list: first author's family name (ignoring case and accents),
    then one author, two authors, more; then year: "Hillman 1969", "Hillman & Henderson
    1969", "Franco 2012", "Franco et al. 1998", "Franco et al. 2006"."""

    def plain(text: str) -> str:
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()

    author, year = split_label(label)
    if author.endswith(" et al."):
        family, count = author.removesuffix(" et al."), 2
    elif " & " in author:
        family, count = author.split(" & ")[0], 1
    else:
        family, count = author, 0
    return plain(family), count, year, plain(label)


class SortingStyle(BaseSortingStyle):
    """The reference list in :func:`sorting_key` order."""

    def sort(self, entries):
        return sorted(entries, key=lambda entry: sorting_key(package_reference(entry.key).label))


class Style(BaseStyle):
    """The reference list: entries as :func:`hemomodels.bibliography.format_reference` writes
    them, with italics and links."""

    default_label_style = STYLE
    default_sorting_style = STYLE

    def format_entry(self, label, entry, bib_data=None):
        return FormattedEntry(entry.key, entry_text(package_reference(entry.key)), label)


# ------------------------------------------------------------------ citations in the text


@node
def textual_label(children, data) -> Text:
    """The textual form "Michor et al. (2005)" of the cited entry's label (a shorthand alone)."""
    assert not children
    author, year = split_label(data["formatted_entry"].label)
    return Text(author, " (", year, ")") if year else Text(author)


@dataclass
class TextualReferenceStyle(BasicLabelParentheticalReferenceStyle):
    """``{cite:t}``: "Michor et al. (2005)"; a shorthand label is written alone."""

    def role_names(self):
        return [f"{capfirst}t{full}" for capfirst in ["", "c"] for full in ["", "s"]]

    def outer(self, role_name, children):
        return self.bracket.outer(children, brackets=False, capfirst="c" in role_name)

    def inner(self, role_name):
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[textual_label],
            post_text,
        ]


@dataclass
class AuthorYearReferenceStyle(GroupReferenceStyle):
    """Parenthetical "(Michor et al. 2005; Tang et al. 2011)" and textual "Michor et al.
    (2005)" citations, both written from the reference list's labels."""

    bracket: BracketStyle = field(
        default_factory=lambda: BracketStyle(left="(", right=")", sep="; ")
    )

    def __post_init__(self):
        self.styles.extend(
            [
                BasicLabelParentheticalReferenceStyle(bracket=self.bracket),
                TextualReferenceStyle(bracket=self.bracket),
                ExtraLabelReferenceStyle(bracket=self.bracket),
                ExtraEmptyReferenceStyle(),
            ]
        )
        super().__post_init__()


def setup(app: Sphinx) -> dict:
    register_pybtex_plugin("pybtex.style.formatting", STYLE, Style)
    register_pybtex_plugin("pybtex.style.labels", STYLE, LabelStyle)
    register_pybtex_plugin("pybtex.style.sorting", STYLE, SortingStyle)
    register_plugin(
        "sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE, AuthorYearReferenceStyle
    )
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
