"""hemomodels.figures.figure: a figure whose drawing fails stops the cell (and the book build)."""

from __future__ import annotations

import contextlib
import io

import pytest

from hemomodels import ModelError
from hemomodels.figures import figure


class Broken:
    def _repr_mimebundle_(self, include=None, exclude=None):
        raise ModelError("the chart's data could not be computed")

    def __repr__(self) -> str:  # what IPython would have shown instead
        return "Broken()"


class Fine:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": "a fine chart", "text/html": "<p>chart</p>"}, {}


def test_a_figure_that_cannot_be_drawn_raises_instead_of_showing_its_repr():
    with pytest.raises(ModelError, match="could not be computed"):
        figure("fig-broken", Broken())


def test_a_figure_is_drawn_once_and_shown():
    with contextlib.redirect_stdout(io.StringIO()) as out:
        figure("fig-fine", Fine())
    assert "a fine chart" in out.getvalue()


@pytest.mark.parametrize("name", ["", "1fig", "fig name", None])
def test_figure_names_are_checked(name):
    with pytest.raises(ModelError, match="figure name"):
        figure(name, Fine())
