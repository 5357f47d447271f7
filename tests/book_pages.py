"""The pages of the book as listed in _toc.yml (shared by the book and browser tests)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_docnames() -> list[str]:
    """Root and chapters (with their sections) named in _toc.yml, without file suffixes."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                names.append(item["file"])
            for key in ("chapters", "sections", "parts"):
                walk(item.get(key))

    for key in ("chapters", "parts"):
        walk(toc.get(key))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]
