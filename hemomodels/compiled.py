"""The optional compiled backend: every patient integrated on their own by compiled LSODA.

With the ``fast`` extra installed (``pip install "hemomodels[fast]"``: numba and numbalsoda),
:meth:`~hemomodels.Model.simulate` and :meth:`~hemomodels.Model.simulate_many` integrate each
piece between events with LSODA compiled to machine code (numbalsoda's C++ port of ODEPACK's
LSODA: Adams/BDF switching, finite-difference Jacobian; Hindmarsh 1983, Petzold 1983) calling
a right-hand side that numba compiles from the model's SymPy expressions. A cohort's
patients are integrated one by one, each with their own step sizes, in parallel threads
(numba's ``prange``; as many threads as numba's default, the number of CPU cores).

Everything around the solve stays shared with the SciPy backend: input checks, the restarts
at doses and parameter changes, infusions, the non-negativity check and the
:class:`~hemomodels.Result`.

Selecting it
------------
``backend="auto"`` (the default) uses it when the extra is installed, the method is
``"LSODA"`` and there is no state-triggered event (:class:`~hemomodels.When`); otherwise, and
if a model's code cannot be compiled, it silently uses SciPy. ``backend="compiled"`` insists:
without the extra, with another method or with a ``When`` it raises
:class:`~hemomodels.ModelError` instead of falling back. ``backend="scipy"`` never uses it.
``result.solver.backend`` says which backend ran.

Reliability
-----------
After each piece every patient is checked: LSODA's success flag, every output finite and the
right-hand side finite at every output (LSODA can report success across a blow-up while
returning wrong finite values). A patient failing any check is integrated again on that piece
by the SciPy path (recorded in ``result.solver.fallbacks``), whose errors then apply. The
work limit ``max_evaluations`` is enforced too: past it the right-hand side returns NaN, the
check fails and the SciPy path reports the limit. And since numbalsoda's LSODA may stall short
of an output time (step size underflow at a singularity) yet report success with the stale
state, the right-hand side records the latest time it was evaluated at: a piece whose
solver never reached its end fails the check too. LSODA's own warnings (printed by the C++
code) are silenced: the SciPy path's error then says what went wrong.

Code and cache
--------------
The right-hand side is generated as Python source of a numba ``cfunc`` with numbalsoda's
signature ``rhs(t, u, du, p)`` (``p``: the patient's parameters, then the infusion rates added
to each ``du``, then an evaluation counter, the latest time evaluated and the work limit),
never written by hand. The
source and numba's machine code are cached on disk in :func:`cache_dir`, keyed by a hash of
the generated source (the model's expressions and the orders of its states and parameters)
and the versions of hemomodels, numba and Python, so a second process only loads them.
``import hemomodels`` never imports numba; the first compiled solve does.

References
----------
Hindmarsh AC (1983). ODEPACK, a systematized collection of ODE solvers. In *Scientific
Computing*, IMACS Trans Sci Comput 1:55–64. Petzold L (1983). Automatic selection of methods
for solving stiff and nonstiff systems of ordinary differential equations. *SIAM J Sci Stat
Comput* 4(1):136–148. Lam SK, Pitrou A, Seibert S (2015). Numba: a LLVM-based Python JIT
compiler. *Proc LLVM-HPC* 7:1–6. Wogan N. numbalsoda (software, PyPI).

Examples
--------
>>> import hemomodels as hm
>>> from hemomodels import compiled
>>> model = hm.models.marciniak_czochra_2009()
>>> result = model.simulate(10.0, backend="scipy")
>>> result.solver.backend
'scipy'
>>> compiled.available() in (True, False)
True
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import platform
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .errors import ModelError
from .solver import MAX_STEPS_PER_OUTPUT, SolverOptions, SolverStats, System, solve

__all__ = [
    "BACKENDS",
    "CACHE_ENVIRONMENT_VARIABLE",
    "CompiledInfo",
    "available",
    "cache_dir",
    "choose_backend",
    "warm_up",
]

#: The values of the ``backend`` argument of :meth:`~hemomodels.Model.simulate`.
BACKENDS = ("auto", "scipy", "compiled")

#: Environment variable naming the directory of the compiled code (default
#: ``~/.cache/hemomodels/compiled``).
CACHE_ENVIRONMENT_VARIABLE = "HEMOMODELS_CACHE_DIR"

#: Bumped whenever the generated code changes meaning, so older cache entries are not used.
_CODE_VERSION = "1"

_INSTALL = 'pip install "hemomodels[fast]"'
_LOCK = threading.Lock()  # numba's default thread pool must not be entered from two threads
_LOADED: dict[tuple[str, str], _Kernel] = {}
_FAILED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class CompiledInfo:
    """What :func:`warm_up` compiled or loaded.

    Attributes
    ----------
    key : str
        Hash of the generated code and the versions it was compiled with.
    path : pathlib.Path
        The generated module of the model's right-hand side.
    from_disk : bool
        True when numba loaded the machine code from the cache instead of compiling it.
    """

    key: str
    path: Path
    from_disk: bool


@dataclass(frozen=True)
class _Kernel:
    """A model's compiled right-hand side and the shared LSODA driver."""

    rhs: Any  # the numba cfunc
    driver: ModuleType  # the generated LSODA driver: solve_all (parallel), solve_serial
    info: CompiledInfo


# ---------------------------------------------------------------------------- availability
@functools.cache
def _library() -> Path | None:
    """numbalsoda's shared library, found without importing numbalsoda (whose import compiles
    numba code for seconds)."""
    try:
        spec = importlib.util.find_spec("numbalsoda")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    names = {"Linux": "liblsoda.so", "Darwin": "liblsoda.dylib", "Windows": "liblsoda.dll"}
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / names.get(platform.system(), "liblsoda.so")
        if candidate.is_file():
            return candidate
    return None


def available() -> bool:
    """Whether the compiled backend can run: numba and numbalsoda (the ``fast`` extra) are
    installed. Imports neither.

    Returns
    -------
    bool

    Examples
    --------
    >>> available() in (True, False)
    True
    """
    return _library() is not None and _installed("numba")


@functools.cache
def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def cache_dir() -> Path:
    """The directory of the generated code and numba's cached machine code:
    ``$HEMOMODELS_CACHE_DIR`` if set, else ``~/.cache/hemomodels/compiled``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {CACHE_ENVIRONMENT_VARIABLE: "/tmp/hemomodels-cache"}):
    ...     print(cache_dir())
    /tmp/hemomodels-cache
    """
    chosen = os.environ.get(CACHE_ENVIRONMENT_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return Path.home() / ".cache" / "hemomodels" / "compiled"


# ----------------------------------------------------------------------------- selection
def choose_backend(
    requested: str, method: str, state_events: bool, compiled_model: Any, model: str = ""
) -> str:
    """The backend that will run: ``"compiled"`` or ``"scipy"``.

    Parameters
    ----------
    requested : {"auto", "scipy", "compiled"}
        The (already validated) ``backend`` argument.
    method : str
        The integration method; the compiled backend has only ``"LSODA"``.
    state_events : bool
        Whether the simulation has state-triggered events (:class:`~hemomodels.When`),
        which only the SciPy backend locates.
    compiled_model : CompiledModel
        The model's compiled functions (``Model.compiled``).
    model : str
        Model name, for messages.

    Raises
    ------
    ModelError
        For ``"compiled"`` without the ``fast`` extra, with another method, with a ``When``,
        or when the model's code cannot be compiled.

    Examples
    --------
    >>> import hemomodels as hm
    >>> model = hm.models.marciniak_czochra_2009()
    >>> choose_backend("auto", "BDF", False, model.compiled)  # BDF: SciPy only
    'scipy'
    """
    if requested == "scipy":
        return "scipy"
    problem = _unsupported(method, state_events)
    if requested == "auto":
        if problem or not available():
            return "scipy"
        try:
            _kernel(compiled_model)
        except Exception:  # noqa: BLE001 - any compilation failure: SciPy, silently
            return "scipy"
        return "compiled"
    if not available():
        problem = f"the compiled backend needs numba and numbalsoda: {_INSTALL}"
    if problem:
        raise _refusal(problem, model)
    try:
        _kernel(compiled_model)
    except Exception as error:  # noqa: BLE001
        raise _refusal(f"the model's code could not be compiled ({error})", model) from None
    return "compiled"


def _unsupported(method: str, state_events: bool) -> str:
    if method != "LSODA":
        return f"the compiled backend has only method 'LSODA', not {method!r}"
    if state_events:
        return "the compiled backend does not locate state-triggered events (When)"
    return ""


def _refusal(reason: str, model: str) -> ModelError:
    prefix = f"{model}: " if model else ""
    return ModelError(
        f"{prefix}backend = 'compiled' is not possible: {reason}; allowed: 'auto' (compiled "
        "when possible, else SciPy) or 'scipy'.",
        field="backend",
        value="compiled",
        allowed="'auto' or 'scipy'",
    )


def warm_up(model: Any) -> CompiledInfo:
    """Compile (or load from :func:`cache_dir`) a model's code for the compiled backend, ahead
    of its first simulation.

    Parameters
    ----------
    model : Model
        Any model; models with the same equations share the code.

    Returns
    -------
    CompiledInfo
        The cache key, the generated module and whether it came from the disk cache.

    Raises
    ------
    ModelError
        Without the ``fast`` extra.

    Examples
    --------
    >>> import hemomodels as hm
    >>> if available():
    ...     info = warm_up(hm.models.marciniak_czochra_2009())
    ...     assert info.path.is_file()
    """
    if not available():
        raise _refusal(f"the compiled backend needs numba and numbalsoda: {_INSTALL}", model.name)
    return _kernel(model.compiled).info


# ------------------------------------------------------------------------ code generation
def _rhs_source(compiled_model: Any) -> str:
    """Python source of the numba ``cfunc`` ``rhs(t, u, du, p)`` of a model."""
    from .compile import scalar_statements

    n = compiled_model.n_states
    m = compiled_model.n_parameters
    lines, values = scalar_statements(compiled_model.rhs_expressions)
    counter, latest, limit = m + n, m + n + 1, m + n + 2
    body = [f"    _y{i} = u[{i}]" for i in range(n)]
    body += [f"    _p{j} = p[{j}]" for j in range(m)]
    body += [f"    {line}" for line in lines]
    body += [f"    du[{i}] = {value} + p[{m + i}]" for i, value in enumerate(values)]
    body += [
        f"    p[{counter}] += 1.0",
        f"    p[{latest}] = max(p[{latest}], t)",
        f"    if p[{counter}] > p[{limit}]:  # past the work limit: fail the checks",
        f"        for i in range({n}):",
        "            du[i] = math.nan",
    ]
    return "\n".join(
        [
            '"""Generated by hemomodels.compiled: a model\'s right-hand side. Do not edit."""',
            "import math",
            "",
            "import numba",
            "from numba import types",
            "",
            "SIGNATURE = types.void(types.double, types.CPointer(types.double),",
            "                       types.CPointer(types.double), types.CPointer(types.double))",
            "",
            "",
            '@numba.cfunc(SIGNATURE, cache=True, error_model="numpy")',
            "def rhs(t, u, du, p):",
            *body,
            "",
        ]
    )


#: The LSODA driver shared by every model: one patient per iteration of a parallel loop,
#: calling the model's ``cfunc`` through its address (so it is compiled once, not per model).
_DRIVER_SOURCE = '''"""Generated by hemomodels.compiled: the parallel LSODA driver. Do not edit."""
import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.extending import intrinsic

binding.load_library_permanently(LIBRARY)
_pointer = types.CPointer(types.double)
lsoda_wrapper = types.ExternalFunction(
    "lsoda_wrapper",
    types.void(types.voidptr, types.intc, _pointer, _pointer, types.intc, _pointer, _pointer,
               types.double, types.double, types.intc, types.CPointer(types.intc)),
)


@intrinsic
def call_rhs(typingctx, address, t, u, du, p):
    """rhs(t, u, du, p) of the cfunc at ``address`` (the pointers given as integers)."""
    signature = types.void(types.intp, types.double, types.intp, types.intp, types.intp)

    def codegen(context, builder, sig, args):
        double = ir.DoubleType()
        kind = ir.FunctionType(ir.VoidType(), [double] + [double.as_pointer()] * 3)
        function = builder.inttoptr(args[0], kind.as_pointer())
        pointers = [builder.inttoptr(a, double.as_pointer()) for a in args[2:]]
        builder.call(function, [args[1], *pointers])
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(cache=True, nogil=True)
def finite_derivatives(address, grid, solution, p, du):
    """Whether every output and the right-hand side at every output are finite."""
    limit = p.size - 1
    evaluations = p[limit - 2]
    p[limit] = np.inf  # no work limit for the check; its evaluations are not counted
    good = True
    for row in range(grid.size):
        call_rhs(address, grid[row], solution[row].ctypes.data, du.ctypes.data, p.ctypes.data)
        for j in range(du.size):
            if not (np.isfinite(solution[row, j]) and np.isfinite(du[j])):
                good = False
    p[limit - 2] = evaluations
    return good


@numba.njit(cache=True, nogil=True)
def solve_one(address, u0, grid, p, rtol, atol, mxstep, out, patient):
    """Integrate one patient over ``grid`` into ``out[:, patient]``; whether every check
    passed."""
    n_states = u0.size
    solution = np.empty((grid.size, n_states))
    flag = np.zeros(1, np.intc)
    lsoda_wrapper(address, n_states, u0.ctypes, p.ctypes, grid.size, grid.ctypes,
                  solution.ctypes, rtol, atol, mxstep, flag.ctypes)
    out[:, patient] = solution
    end = grid[grid.size - 1]
    reached = p[p.size - 2] >= end - 1e-9 * (end - grid[0])  # not stalled short of the end
    du = np.empty(n_states)
    return flag[0] == 1 and reached and finite_derivatives(address, grid, solution, p, du)


@numba.njit(parallel=True, cache=True, nogil=True)
def solve_all(address, u0, grid, params, rtol, atol, mxstep, out, ok):
    """Every patient (row of ``u0`` and ``params``) on their own, in parallel threads, into
    ``out`` of shape (times, patients, states)."""
    for i in numba.prange(u0.shape[0]):
        ok[i] = solve_one(address, u0[i], grid, params[i], rtol, atol, mxstep, out, i)


@numba.njit(cache=True, nogil=True)
def solve_serial(address, u0, grid, params, rtol, atol, mxstep, out, ok):
    """As solve_all in this thread (no thread start-up for one patient)."""
    for i in range(u0.shape[0]):
        ok[i] = solve_one(address, u0[i], grid, params[i], rtol, atol, mxstep, out, i)
'''


def _versions() -> str:
    package = sys.modules[__name__.rpartition(".")[0]]  # hemomodels, imported before this
    numba_version = metadata.version("numba")
    return f"{_CODE_VERSION} {package.__version__} numba {numba_version} {sys.version}"


def _load(source: str, stem: str) -> tuple[ModuleType, str]:
    """Write ``source`` to the cache as ``{stem}_{hash}.py`` (atomically, once) and import it.
    Returns the module and the hash."""
    key = hashlib.sha256(f"{source}\n{_versions()}".encode()).hexdigest()[:24]
    name = f"_hemomodels_{stem}_{key}"
    if name in sys.modules:
        return sys.modules[name], key
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.is_file() or path.read_text() != source:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            stream.write(source)
        os.replace(temporary, path)  # atomic: a reader sees the old file or the whole new one
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the module by name when it loads
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module, key


def _driver() -> ModuleType:
    import numba

    config: Any = numba.config  # its settings are set at run time: untyped
    if config.THREADING_LAYER == "default":  # unless the user chose one
        # fork-safe (GNU OpenMP is not: a forked child's first parallel loop can hang); not
        # thread-safe, which _LOCK makes up for
        config.THREADING_LAYER = "forksafe"
    library = _library()
    assert library is not None  # checked by available()
    source = _DRIVER_SOURCE.replace("LIBRARY", repr(str(library)), 1)
    module, _ = _load(source, "lsoda")
    return module


def _kernel(compiled_model: Any) -> _Kernel:
    """The model's compiled code, built or loaded once per process and cache directory."""
    # keyed by the setting that chooses the directory, not the path (resolved only to load)
    place = (os.environ.get(CACHE_ENVIRONMENT_VARIABLE, ""), compiled_model.source)
    if place in _LOADED:
        return _LOADED[place]
    if place in _FAILED:
        raise RuntimeError("the model's code could not be compiled (see the first attempt)")
    with _LOCK:
        try:
            driver = _driver()
            module, key = _load(_rhs_source(compiled_model), "rhs")
        except Exception:
            _FAILED.add(place)
            raise
    path = Path(module.__file__ or "")
    info = CompiledInfo(key, path, bool(module.rhs.cache_hits))
    _LOADED[place] = _Kernel(module.rhs, driver, info)
    return _LOADED[place]


# ----------------------------------------------------------------------------------- solve
@contextlib.contextmanager
def _native_output_silenced() -> Iterator[None]:
    """Standard output and error of native code (LSODA's C++ warnings) sent to the null
    device; Python's own streams are flushed first so nothing of theirs is lost."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for handle in (*saved, null):
            os.close(handle)


def _patient_parameters(system: System, options: SolverOptions) -> np.ndarray:
    """One row per patient: parameters, infusion rates, evaluation counter, latest time
    evaluated, work limit."""
    n_patients = system.n_patients or 1
    params = np.reshape(system.params, (system.params.shape[0], -1))
    inputs = np.zeros((system.n, n_patients))
    if system.inputs is not None:
        inputs += np.reshape(system.inputs, (system.n, -1))
    counter = np.zeros((1, n_patients))
    latest = np.full((1, n_patients), -np.inf)
    limit = np.full((1, n_patients), float(options.max_evaluations))
    packed = np.concatenate([np.broadcast_to(params, (params.shape[0], n_patients)), inputs])
    return np.ascontiguousarray(np.concatenate([packed, counter, latest, limit]).T)


def _one_patient(system: System, patient: int) -> System:
    """The SciPy system of one patient of a (stacked) system."""
    if system.n_patients is None:
        return system
    alone = System(system.compiled, system.params[:, patient], system.n, None)
    if system.inputs is not None:
        alone.inputs = system.inputs[:, patient] if system.inputs.ndim == 2 else system.inputs
    return alone


def _merge(stats: SolverStats, other: SolverStats) -> None:
    stats.n_rhs += other.n_rhs
    stats.n_jac += other.n_jac
    stats.n_steps += other.n_steps
    stats.fallbacks.extend(other.fallbacks)


def _rescue(
    system: System,
    y0: np.ndarray,
    grid: np.ndarray,
    options: SolverOptions,
    stats: SolverStats,
    where: str,
    patients: Sequence[int],
    out: np.ndarray,
) -> None:
    """Integrate again with SciPy the patients whose compiled solve failed a check."""
    for patient in patients:
        who = f"patient {patient} " if system.n_patients is not None else ""
        stats.fallbacks.append(
            f"compiled → SciPy for {who}on {where} (LSODA failed, or a value or derivative "
            "was not finite)"
        )
        extra = SolverStats(options.method)
        try:
            out[:, patient] = solve(
                _one_patient(system, patient), y0[patient], grid, options, extra
            )
        finally:
            _merge(stats, extra)


def solve_piece(
    system: System,
    y0: np.ndarray,
    grid: np.ndarray,
    options: SolverOptions,
    stats: SolverStats,
    *,
    where: str = "",
) -> np.ndarray:
    """States at every time of ``grid`` by the compiled backend, as
    :func:`hemomodels.solver.solve` gives them.

    Each patient of a stacked ``system`` is integrated on their own. Patients failing the
    checks are integrated again by :func:`hemomodels.solver.solve` (whose
    :class:`~hemomodels.solver.SolverError` then propagates).

    Parameters
    ----------
    system, y0, grid, options, stats, where
        As for :func:`hemomodels.solver.solve`.

    Returns
    -------
    numpy.ndarray
        ``(grid.size, y0.size)``.
    """
    kernel = _kernel(system.compiled)
    n = system.n
    starts = np.ascontiguousarray(np.reshape(y0, (-1, n)), dtype=float)
    params = _patient_parameters(system, options)
    out = np.empty((grid.size, starts.shape[0], n))
    ok = np.zeros(starts.shape[0], dtype=np.bool_)
    times = np.ascontiguousarray(grid, dtype=float)
    stats.n_pieces += 1
    parallel = starts.shape[0] > 1
    run = kernel.driver.solve_all if parallel else kernel.driver.solve_serial
    with _LOCK, _native_output_silenced(), np.errstate(all="ignore"):
        run(
            kernel.rhs.address,
            starts,
            times,
            params,
            options.rtol,
            options.atol,
            MAX_STEPS_PER_OUTPUT,
            out,
            ok,
        )
    stats.n_rhs += int(params[:, -3].sum())
    failed = np.flatnonzero(~ok)
    if failed.size:
        _rescue(system, starts, times, options, stats, where, failed.tolist(), out)
    return out.reshape(grid.size, -1)
