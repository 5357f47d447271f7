"""The clinical-target registry: every published outcome is evaluated, and the model matches
it exactly when the registry says so (a documented miss must stay a miss, with its reason,
until the model is fixed and the registry updated)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemomodels import targets

ROOT = Path(__file__).resolve().parents[1]
ALL = targets.targets()


@pytest.mark.parametrize("target", ALL, ids=[t.key for t in ALL])
def test_target_matches_exactly_when_the_registry_says_so(target):
    value = targets.evaluate(target)
    assert target.matches(value) == target.expected, (
        f"{target.key}: model {value!r} {target.unit}, published {target.published_text} "
        f"[{target.low}, {target.high}]; expected a {'match' if target.expected else 'miss'}"
    )
    if not target.expected:
        assert len(target.reason) > 40  # a miss is explained in words


@pytest.mark.parametrize("chapter", targets.chapters())
def test_every_chapter_has_at_least_three_targets(chapter):
    assert len(targets.targets(chapter)) >= 3


def test_every_source_is_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "references.bib").read_text("utf-8")))
    missing = sorted({t.source for t in ALL} - keys)
    assert not missing, missing


def test_every_chapter_shows_its_targets_table():
    """Each chapter renders the registry (not a hand-made copy) under the same heading."""
    pages = {
        "hsc": "hsc-biology",
        "anaemia": "anaemia",
        "chemotherapy": "chemotherapy",
        "leukaemia": "leukaemia",
        "transplantation": "transplantation",
        "gene_therapy": "gene-therapy",
    }
    for chapter, page in pages.items():
        text = (ROOT / "book" / f"{page}.md").read_text("utf-8")
        assert "How well does the model match the clinic?" in text, page
        assert f'targets.show("{chapter}")' in text, page


def test_table_reports_matches_and_misses_honestly():
    frame = targets.table("chemotherapy")
    by_claim = dict(zip(frame["What the clinic shows"], frame["Match"], strict=True))
    for target in targets.targets("chemotherapy"):
        assert by_claim[target.claim] == ("✔" if target.expected else "✘")
