"""How well does each model match the clinic? A registry of published clinical targets.

Each :class:`ClinicalTarget` is one published outcome — a value or range, with its
``references.bib`` key — together with the model and scenario that should reproduce it and
the function that computes the model's value. The same registry drives the tests (every
target is evaluated, and its match must be what the registry declares) and each chapter's
table "How well does the model match the clinic?" (:func:`table`), so a chapter cannot claim a
match the tests do not check, and a miss is shown as a miss, with its reason.

A target is one of three kinds:

* ``"prediction"``: the model was not fitted to this number;
* ``"calibrated"``: a model parameter was set from this very number (a consistency check,
  not evidence);
* ``"reproduction"``: the published model's own result, recomputed (a check of our
  transcription).

Examples
--------
>>> from hemomodels import targets
>>> "chemotherapy" in targets.chapters()
True
>>> target = targets.get("chemo_typical_grade4")
>>> target.published_text
'< 0.5 × 10⁹/L'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

from .. import rules
from ..errors import ModelError
from ..spec import format_number
from ..units import reader_unit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ClinicalTarget", "chapters", "evaluate", "get", "show", "table", "targets"]

#: Chapters with targets, each a module of this package defining ``TARGETS``.
CHAPTERS = (
    "hsc",
    "anaemia",
    "chemotherapy",
    "leukaemia",
    "transplantation",
    "gene_therapy",
    "marrow_failure",
)


@dataclass(frozen=True)
class ClinicalTarget:
    """A published clinical outcome and how a model is checked against it.

    Attributes
    ----------
    key : str
        Stable identifier.
    chapter : str
        Chapter the target belongs to (one of :data:`CHAPTERS`).
    claim : str
        What the clinic shows, in words.
    low, high : float
        The accepted range in ``unit``: the published value or range, widened by the stated
        tolerance.
    unit : str
        Unit of the value.
    source : str
        ``references.bib`` key of the published value.
    model : str
        The model and scenario that should reproduce it, in words.
    compute : callable
        ``compute() -> float``: the model's value, in ``unit``.
    kind : {"prediction", "calibrated", "reproduction"}
        See the module.
    expected : bool
        Whether the model is expected to match (``False``: a documented miss).
    reason : str
        Why the model misses (required when ``expected`` is False), or how close a
        calibration is.
    published_text : str
        The published value as printed (e.g. ``"6–10 g/dL"``); default the range.
    provenance : str
        Where the published value was read (the abstract, a table of the paper, a public
        reproduction …), written for students: the chapter's "Sources and confidence"
        section shows it.
    """

    key: str
    chapter: str
    claim: str
    low: float
    high: float
    unit: str
    source: str
    model: str
    compute: Callable[[], float] = field(repr=False, compare=False)
    kind: str = "prediction"
    expected: bool = True
    reason: str = ""
    published_text: str = ""
    provenance: str = ""

    def __post_init__(self) -> None:
        rules.choice(self.chapter, "chapter", CHAPTERS)
        rules.choice(self.kind, "kind", ("prediction", "calibrated", "reproduction"))
        low = rules.number(self.low, f"target {self.key!r} low", unit=self.unit)
        rules.number(self.high, f"target {self.key!r} high", low=low, unit=self.unit)
        if not self.expected and not self.reason:
            raise ModelError(
                f"target {self.key!r} is a documented miss but gives no reason.",
                field="reason",
                value=self.reason,
            )
        if not self.published_text:
            text = f"{format_number(self.low)}–{format_number(self.high)} {self.unit}"
            object.__setattr__(self, "published_text", text)

    def matches(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``.

        Examples
        --------
        >>> from hemomodels import targets
        >>> targets.get("chemo_typical_grade4").matches(0.3)
        True
        """
        return self.low <= value <= self.high


def _load() -> dict[str, ClinicalTarget]:
    found: dict[str, ClinicalTarget] = {}
    for chapter in CHAPTERS:
        for target in import_module(f".{chapter}", __name__).TARGETS:
            if target.key in found:
                raise ModelError(f"target key {target.key!r} is used twice.", field="key")
            found[target.key] = target
    return found


_REGISTRY: dict[str, ClinicalTarget] = {}
_VALUES: dict[str, float] = {}


def _registry() -> dict[str, ClinicalTarget]:
    if not _REGISTRY:
        _REGISTRY.update(_load())
    return _REGISTRY


def chapters() -> tuple[str, ...]:
    """Chapters that have clinical targets.

    Examples
    --------
    >>> chapters()[0]
    'hsc'
    """
    return CHAPTERS


def targets(chapter: str | None = None) -> list[ClinicalTarget]:
    """Every target, or those of one chapter.

    Examples
    --------
    >>> len(targets("anaemia")) >= 3
    True
    """
    if chapter is not None:
        chapter = rules.choice(chapter, "chapter", CHAPTERS)
    return [t for t in _registry().values() if chapter is None or t.chapter == chapter]


def get(key: str) -> ClinicalTarget:
    """The target called ``key``.

    Examples
    --------
    >>> get("anaemia_healthy_hb").unit
    'g/dL'
    """
    registry = _registry()
    return registry[rules.name(key, "key", list(registry), kind="clinical target")]


def evaluate(target: ClinicalTarget | str) -> float:
    """The model's value for ``target`` (computed once per process).

    Examples
    --------
    >>> round(evaluate("anaemia_healthy_hb"), 1)
    14.8
    """
    target = get(target) if isinstance(target, str) else target
    if target.key not in _VALUES:
        _VALUES[target.key] = float(target.compute())
    return _VALUES[target.key]


#: Units as the tables print them.
_UNIT_WORDS = {
    "1/day": "per day",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "10^9/L/day": "× 10⁹/L per day",
}


def _with_unit(value: float, unit: str) -> str:
    number = f"{value:.3g}" if abs(value) < 1e5 else f"{value:.2g}"
    return f"{number.replace('-', '−')} {_UNIT_WORDS.get(unit, reader_unit(unit))}"


def table(chapter: str) -> pd.DataFrame:
    """The chapter's "How well does the model match the clinic?" table.

    Columns: what the clinic shows, the published value, the model's value, whether they
    match (✔ or ✘, shown honestly), the kind of target and the source key; misses add their
    reason.

    Examples
    --------
    >>> frame = table("chemotherapy")
    >>> list(frame.columns)[:4]
    ['What the clinic shows', 'Published', 'Model', 'Match']
    """
    import pandas as pd

    rows = []
    for target in targets(chapter):
        value = evaluate(target)
        rows.append(
            {
                "What the clinic shows": target.claim,
                "Published": target.published_text,
                "Model": _with_unit(value, target.unit),
                "Match": "✔" if target.matches(value) else "✘",
                "Kind": target.kind,
                "Source": target.source,
                "Model and scenario": target.model,
                "Why not": target.reason if not target.matches(value) else "",
            }
        )
    return pd.DataFrame(rows)


class _Table:
    """A chapter's table, displayed as Markdown in a notebook and in the built book."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def _repr_markdown_(self) -> str:
        columns = ["What the clinic shows", "Published", "Model", "Match", "Source"]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        notes = []
        for _, row in self.frame.iterrows():
            match = row["Match"]
            if row["Why not"]:
                notes.append(row["Why not"])
                match += f" ({len(notes)})"
            cells = [row["What the clinic shows"], row["Published"], row["Model"], match]
            cells.append(f"{row['Source']}, {row['Kind']}")
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
        text = "\n".join(lines)
        if notes:
            text += "\n\n" + "\n\n".join(f"({i}) {note}" for i, note in enumerate(notes, 1))
        return text

    def __repr__(self) -> str:
        return self._repr_markdown_()


def show(chapter: str) -> _Table:
    """The chapter's table as the book shows it: sources as author and year, each miss
    numbered and explained under the table.

    Examples
    --------
    >>> print(show("anaemia")._repr_markdown_().splitlines()[0])
    | What the clinic shows | Published | Model | Match | Source |
    """
    from ..bibliography import short_reference

    frame = table(chapter)
    frame["Source"] = [short_reference(key) for key in frame["Source"]]
    return _Table(frame)
