"""Optional extras: charts, widgets and SBML, each a separate install.

The core of the package (declaring, deriving, simulating and reading out models) needs only
NumPy, SciPy, SymPy and pandas. Charts (:mod:`hemomodels.viz`) need Altair and
vl-convert-python (``pip install 'hemomodels[charts]'``), live sliders
(:mod:`hemomodels.widgets`, ``hemomodels.explorables``) also need ipywidgets
(``hemomodels[widgets]``), model diagrams (:meth:`hemomodels.Model.diagram`) need the
graphviz package (``hemomodels[diagrams]``) and Graphviz's ``dot`` program (a system package,
e.g. ``apt-get install graphviz``), and SBML export needs python-libsbml
(``hemomodels[sbml]``), global sensitivity analysis needs SALib (``hemomodels[sensitivity]``),
and cohorts on a Dask cluster (:mod:`hemomodels.distributed`) need Dask's distributed scheduler
(``hemomodels[distributed]``).
Importing one of those modules without its extra raises :class:`MissingExtraError` naming the
extra to install; ``import hemomodels`` itself always works.
"""

from __future__ import annotations

__all__ = ["EXTRAS", "MissingExtraError", "missing_extra"]

#: Module → (extra that installs it, its name on PyPI).
EXTRAS: dict[str, tuple[str, str]] = {
    "altair": ("charts", "altair"),
    "vl_convert": ("charts", "vl-convert-python"),
    "ipywidgets": ("widgets", "ipywidgets"),
    "IPython": ("widgets", "ipython"),
    "libsbml": ("sbml", "python-libsbml"),
    "SALib": ("sensitivity", "SALib"),
    "graphviz": ("diagrams", "graphviz"),
    "distributed": ("distributed", "dask[distributed]"),
}


class MissingExtraError(ImportError):
    """An optional dependency of the package is not installed.

    Attributes
    ----------
    extra : str
        The extra that installs it, e.g. ``"charts"``.
    """

    def __init__(self, message: str, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


def missing_extra(module: str, feature: str, *, extra: str | None = None) -> MissingExtraError:
    """The error for ``feature`` needing the missing ``module`` (installed by ``extra``,
    by default the extra that provides the module).

    Examples
    --------
    >>> print(missing_extra("altair", "hemomodels.viz"))
    hemomodels.viz needs altair, which is not installed: pip install 'hemomodels[charts]'
    """
    provider, package = EXTRAS[module]
    extra = extra or provider
    return MissingExtraError(
        f"{feature} needs {package}, which is not installed: pip install 'hemomodels[{extra}]'",
        extra,
    )
