"""Published measurements shipped with the package, as tidy tables ready for
:func:`hemomodels.fitting.fit`.

Each data set is a small CSV file in ``hemomodels/data`` whose header names its source and how
the numbers were transcribed; the loader returns a frame with the columns ``fit`` expects
(``time``, ``variable``, ``value``, ``sd``) and the study's own columns.

Examples
--------
>>> from hemomodels.datasets import falz2014_donation
>>> falz2014_donation()["value"].tolist()  # g of haemoglobin, days 0-28
[865.0, 876.0, 904.0, 919.0, 922.0]
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["FALZ2014_DONORS", "falz2014_donation", "falz2014_baseline"]

#: Donors in Falz et al. (2014).
FALZ2014_DONORS = 10


def _read(name: str) -> pd.DataFrame:
    with resources.files("hemomodels").joinpath("data", name).open(encoding="utf-8") as file:
        return pd.read_csv(file, comment="#")


def falz2014_baseline() -> tuple[float, float]:
    """Mean and between-donor SD of the haemoglobin mass before the donation (g), Falz et al.
    2014 (T1).

    Examples
    --------
    >>> falz2014_baseline()
    (948.0, 197.0)
    """
    table = _read("falz2014_donation.csv")
    before = table[table["day"] == "before"].iloc[0]
    return float(before["hb_mass_mean_g"]), float(before["hb_mass_sd_g"])


def falz2014_donation() -> pd.DataFrame:
    """Mean haemoglobin mass of 10 donors from just after a 500 mL whole-blood donation to
    four weeks later (Falz et al. 2014, abstract; measurements T2–T6).

    Returns
    -------
    pandas.DataFrame
        ``time`` (days after the donation), ``variable`` (``"hb_mass"``, the state of
        :func:`hemomodels.models.tetschke2018`), ``value`` (mean, g), ``sd`` (standard error
        of the mean, g: the between-donor SD over √10) and ``between_donor_sd`` (g).

    Notes
    -----
    The between-donor SD (about 180 g) mostly reflects differences in body size, which stay
    the same through the study; the changes after the donation are far more precise than
    these standard errors say. A fit that should follow the course of the mean is therefore
    better done without ``sd`` (the residual scatter then estimates it).

    Examples
    --------
    >>> table = falz2014_donation()
    >>> table[["time", "value"]].values.tolist()[0]
    [0.0, 865.0]
    """
    table = _read("falz2014_donation.csv")
    after = table[table["day"] != "before"]
    return pd.DataFrame(
        {
            "time": after["day"].astype(float).to_numpy(),
            "variable": "hb_mass",
            "value": after["hb_mass_mean_g"].astype(float).to_numpy(),
            "sd": after["hb_mass_sd_g"].to_numpy() / FALZ2014_DONORS**0.5,
            "between_donor_sd": after["hb_mass_sd_g"].astype(float).to_numpy(),
        }
    )
