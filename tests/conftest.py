"""Shared fixtures: small test models with closed-form solutions."""

from __future__ import annotations

import os

import pytest
import sympy
from hypothesis import settings

import hemomodels as hm

# Hypothesis profiles (tests/test_properties.py): "ci" is the default, derandomized so every
# run checks the same examples, without an example database; HYPOTHESIS_PROFILE=thorough
# draws ten times more, at random.
settings.register_profile(
    "ci", max_examples=25, derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile("thorough", max_examples=250, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def clearance_model() -> hm.Model:
    """One compartment with first-order elimination: dC/dt = -k C."""
    drug = hm.State("drug", "Drug amount", "mg", initial=0.0, latex="C")
    rate = hm.Parameter(
        "elimination_rate",
        0.3,
        "1/h",
        (0.0, 10.0),
        "Elimination rate",
        "friberg2002",
        latex="k",
        low_inclusive=False,
    )
    return hm.Model(
        "clearance",
        states=[drug],
        parameters=[rate],
        time_unit="h",
        flows=[hm.Flow(drug, None, rate.symbol * drug.symbol)],
        reference="friberg2002",
    )


def chain_model(n: int = 3) -> hm.Model:
    """A linear chain A_1 -> A_2 -> ... -> A_n -> out with one rate per step."""
    states = [
        hm.State(f"A{i}", f"compartment {i}", "cells", initial=100.0 if i == 1 else 0.0)
        for i in range(1, n + 1)
    ]
    rates = [
        hm.Parameter(
            f"k{i}",
            0.2 + 0.15 * i,
            "1/day",
            (0.0, 10.0),
            f"rate out of A{i}",
            "friberg2002",
            low_inclusive=False,
        )
        for i in range(1, n + 1)
    ]
    flows = [
        hm.Flow(states[i], states[i + 1] if i + 1 < n else None, rates[i].symbol * states[i].symbol)
        for i in range(n)
    ]
    total = hm.Observable(
        "total", sympy.Add(*[s.symbol for s in states]), "cells", "all cells in the chain"
    )
    return hm.Model(
        f"chain of {n}",
        states=states,
        parameters=rates,
        flows=flows,
        observables=[total],
        reference="friberg2002",
    )


@pytest.fixture
def clearance() -> hm.Model:
    return clearance_model()


@pytest.fixture
def chain() -> hm.Model:
    return chain_model(3)


@pytest.fixture
def mc2009() -> hm.Model:
    return hm.models.marciniak_czochra_2009()


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Debian Chromium for the whole session, driven by Playwright's sync API.

    Playwright allows one sync session per thread, so every browser test (test_browser.py,
    test_site.py, test_responsive.py) shares this one instead of starting its own.
    """
    from site_browser import chromium

    with chromium() as browser:
        yield browser
