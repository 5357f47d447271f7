"""Global sensitivity through the cohort engine: Sobol indices of the Ishigami function against
their analytical values, and Morris screening of an additive model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import hemomodels as hm
from hemomodels.global_sensitivity import morris_indices, sobol_indices

A, B = 7.0, 0.1


def ishigami_model() -> hm.Model:
    """One constant state and an observable y = sin x1 + a sin² x2 + b x3⁴ sin x1."""
    placeholder = hm.State("x", "Placeholder state", "1", initial=0.0)
    inputs = [
        hm.Parameter(f"x{i}", 0.0, "1", (-math.pi, math.pi), f"Input {i}", "friberg2002")
        for i in (1, 2, 3)
    ]
    x1, x2, x3 = (p.symbol for p in inputs)
    y = sympy.sin(x1) + A * sympy.sin(x2) ** 2 + sympy.Float(B) * x3**4 * sympy.sin(x1)
    return hm.Model(
        "Ishigami",
        states=[placeholder],
        parameters=inputs,
        rhs={placeholder: sympy.Integer(0)},
        observables=[hm.Observable("y", y, "1", "Ishigami function")],
        time_unit="day",
        reference="friberg2002",
    )


def analytical_indices() -> tuple[list[float], list[float]]:
    """Ishigami & Homma's closed forms (inputs uniform on [-pi, pi])."""
    pi4, pi8 = math.pi**4, math.pi**8
    variance = A**2 / 8 + B * pi4 / 5 + B**2 * pi8 / 18 + 0.5
    v1 = 0.5 * (1 + B * pi4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * pi8 / 225
    first = [v1 / variance, v2 / variance, 0.0]
    total = [(v1 + v13) / variance, v2 / variance, v13 / variance]
    return first, total


RANGES = {f"x{i}": (-math.pi, math.pi) for i in (1, 2, 3)}


def last(result):
    return result["y"][:, -1]


def test_sobol_indices_of_the_ishigami_function():
    table = sobol_indices(ishigami_model(), last, RANGES, 1.0, samples=4096, t_eval=[0.0, 1.0])
    first, total = analytical_indices()
    np.testing.assert_allclose(table["S1"], first, atol=0.03)
    np.testing.assert_allclose(table["ST"], total, atol=0.03)
    # the bootstrap intervals are honest about it
    assert (np.abs(table["S1"] - first) <= 2 * table["S1 95 % half-width"]).all()


def test_morris_ranks_an_additive_model_by_its_coefficients():
    """y = x1 + 2 x2 (x3 unused): elementary effects are the coefficients times the range."""
    model = ishigami_model()

    def additive(result):
        return result.params["x1"].to_numpy() + 2 * result.params["x2"].to_numpy()

    table = morris_indices(model, additive, RANGES, 1.0, trajectories=20, t_eval=[0.0, 1.0])
    mu = dict(zip(table["parameter"], table["mu*"], strict=True))
    assert mu["x1"] == pytest.approx(2 * math.pi, rel=1e-9)
    assert mu["x2"] == pytest.approx(4 * math.pi, rel=1e-9)
    assert mu["x3"] == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(table["sigma"], 0.0, atol=1e-9)


@pytest.mark.parametrize(
    ("ranges", "match"),
    [
        ({"x1": (-4.0, 1.0)}, "x1"),
        ({"x1": (1.0, 0.0)}, "low < high"),
        ({"x9": (0.0, 1.0)}, "x9"),
        ({}, "ranges"),
    ],
)
def test_bad_ranges_are_refused(ranges, match):
    with pytest.raises(hm.ModelError, match=match):
        sobol_indices(ishigami_model(), last, ranges, 1.0)


def test_sample_size_must_be_a_power_of_two():
    with pytest.raises(hm.ModelError, match="power of 2"):
        sobol_indices(ishigami_model(), last, RANGES, 1.0, samples=1000)
