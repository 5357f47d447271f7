"""Where a chapter's numbers come from: its "Sources and confidence" section.

Every parameter declares its ``source`` (a key of ``references.bib``), its ``basis``
(published, computed, calibrated by this book, illustrative, or a scenario input) and a
``note`` saying how the value was obtained; every clinical target of ``hemomodels.targets``
declares its source and where the published value was read. The
book shows this provenance in one collapsible section at the end of each chapter, generated
here from the package (never copied by hand), so that running text, tables and charts carry
no working notes.

Examples
--------
In a chapter (MyST Markdown), a hidden cell stores the section and a ``{glue:md}`` directive
shows it inside a collapsible admonition::

    ```{code-cell} ipython3
    :tags: [remove-cell]

    figure("sources-hsc", sources.chapter_sources("hsc", [model]))
    ```

    :::{admonition} What is published, computed or illustrative
    :class: dropdown

    ```{glue:md} sources-hsc
    :format: myst
    ```
    :::
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import rules
from .spec import BASES, Parameter

if TYPE_CHECKING:
    from .model import Model

__all__ = ["ChapterSources", "chapter_sources", "parameter_sources"]

#: What each basis means, for the section's opening sentence.
BASIS_MEANINGS = {
    "published": "given in the cited source",
    "computed": "computed from other values",
    "calibrated": "set by this book so that the model matches a published outcome",
    "illustrative": "chosen to show a mechanism, not taken from a measurement",
    "scenario": "a setting of the scenario that readers change",
}

#: What each kind of clinical target means (:class:`hemomodels.targets.ClinicalTarget`).
TARGET_KINDS = {
    "prediction": "a prediction: the model was not fitted to this number",
    "calibrated": "a calibration: a model parameter was set from this number",
    "reproduction": "a reproduction of the published model's own result",
}


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _cite(key: str) -> str:
    return f"{{cite:p}}`{key}`"


def _name(parameter: Parameter, first: bool) -> str:
    label = parameter.display_label
    if not first and len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]
    return f"{label} ${parameter.tex}$"


def parameter_sources(model: Model, *, skip: Sequence[Parameter] = ()) -> list[str]:
    """One Markdown bullet per group of ``model``'s parameters that share a basis, a source
    and a note (e.g. the fourteen rates of one reproduction), leaving out those in ``skip``.

    Examples
    --------
    >>> import hemomodels as hm
    >>> bullets = parameter_sources(hm.models.marciniak_czochra_2009())
    >>> print(bullets[0][:73])
    - Stem-cell self-renewal $a_1$, stem-cell division rate $p_1$, neutrophil
    """
    groups: dict[tuple[str, str, str], list[Parameter]] = {}
    for parameter in model.parameters:
        if parameter in skip:
            continue
        key = (parameter.basis, parameter.source, parameter.note)
        groups.setdefault(key, []).append(parameter)
    bullets = []
    for (basis, source, note), parameters in groups.items():
        names = ", ".join(_name(p, i == 0) for i, p in enumerate(parameters))
        kind = BASES.get(basis, "basis not stated")
        bullets.append(f"- {names}: **{kind}**, {_cite(source)}. {_sentence(note)}".rstrip())
    return bullets


class ChapterSources:
    """A chapter's "Sources and confidence" section, as MyST Markdown.

    Built by :func:`chapter_sources`; displayed as Markdown in a notebook and, through a
    ``{glue:md}`` directive, in the book.

    Attributes
    ----------
    chapter : str or None
        The chapter whose clinical targets are listed.
    models : list of Model
        The models whose parameters are listed.

    Examples
    --------
    >>> import hemomodels as hm
    >>> section = ChapterSources("hsc", [hm.models.marciniak_czochra_2009()])
    >>> section.chapter, len(section.models)
    ('hsc', 1)
    """

    def __init__(self, chapter: str | None, models: Sequence[Model]) -> None:
        from .model import Model

        if chapter is not None:
            from . import targets

            chapter = rules.choice(chapter, "chapter", targets.chapters())
        if isinstance(models, Model) or not isinstance(models, (list, tuple)):
            models = [rules.instance(models, "models", Model)]
        self.chapter = chapter
        self.models = [rules.instance(m, "models", Model) for m in models]

    def parameter_part(self) -> str:
        """The parameters of every model, grouped by basis, source and note.

        Examples
        --------
        >>> import hemomodels as hm
        >>> part = ChapterSources(None, [hm.models.tetschke2018()]).parameter_part()
        >>> "**scenario input**" in part and "{cite:p}`tetschke2018`" in part
        True
        """
        used = {p.basis for m in self.models for p in m.parameters if p.basis}
        meaning = " ".join(
            f"*{BASES[b][0].upper() + BASES[b][1:]}*: {BASIS_MEANINGS[b]}."
            for b in BASES
            if b in used
        )
        parts = [f"**Parameters.** {meaning}"]
        listed: list[Parameter] = []
        for model in self.models:
            bullets = parameter_sources(model, skip=listed)
            listed += [p for p in model.parameters if p not in listed]
            if not bullets:
                parts.append(f"*{model.name}*: every parameter as above.")
                continue
            parts.append(f"*{model.name}*")
            parts.append("\n".join(bullets))
        return "\n\n".join(parts)

    def target_part(self) -> str:
        """The clinical targets of the chapter: source, where the value was read, kind.

        Examples
        --------
        >>> import hemomodels as hm
        >>> part = ChapterSources("anaemia", [hm.models.tetschke2018()]).target_part()
        >>> part.startswith("**Clinical comparisons**")
        True
        """
        if self.chapter is None:
            return ""
        from . import targets

        bullets = []
        for target in targets.targets(self.chapter):
            read = f" Value from {target.provenance}." if target.provenance else ""
            bullets.append(
                f"- {_sentence(target.claim)[:-1]} ({target.published_text}): "
                f"{_cite(target.source)}.{read} {_sentence(TARGET_KINDS[target.kind])}"
            )
        heading = (
            '**Clinical comparisons** (the table "How well does the model match the clinic?").'
        )
        return heading + "\n\n" + "\n".join(bullets)

    def _repr_markdown_(self) -> str:
        return "\n\n".join(p for p in (self.parameter_part(), self.target_part()) if p)

    def __repr__(self) -> str:
        names = ", ".join(m.name for m in self.models)
        return f"<ChapterSources of {self.chapter!r}: {names}>"


def chapter_sources(chapter: str | None, models: Sequence[Model]) -> ChapterSources:
    """The "Sources and confidence" section of ``chapter`` for the ``models`` it uses.

    Parameters
    ----------
    chapter : str or None
        A chapter with clinical targets (``hemomodels.targets.chapters()``), or None to list
        parameters only.
    models : list of Model
        The models the chapter uses; a parameter shared with an earlier model of the list
        is listed once.

    Returns
    -------
    ChapterSources
        Displayed as MyST Markdown (citations as ``{cite:p}`` roles).

    Examples
    --------
    >>> import hemomodels as hm
    >>> section = chapter_sources("hsc", [hm.models.marciniak_czochra_2009()])
    >>> text = section._repr_markdown_()
    >>> print(text.splitlines()[0])
    **Parameters.** *Published*: given in the cited source. *Computed*: computed from other values.
    >>> "verified via code" in text or "not read" in text
    False
    """
    return ChapterSources(chapter, models)
