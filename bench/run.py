"""Benchmarks of hemomodels against libroadrunner (a JIT-compiled SBML simulator) and targets.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py [--quick] [--skip-book]
[--skip-pages]``). For each benchmark it prints hemomodels' figure, the reference figure
measured in the same run, their ratio (reference / hemomodels: above 1 means hemomodels is
faster) and the target, then writes ``_build/bench/results.json`` and a chart of the ratios,
``_build/bench/ratios.html`` (Altair, Vega bundle inlined, works offline). It also weighs every
page of the built book (``_build/html``, from ``make book``): the bytes of the page and of every
resource it loads, as served without compression and as gzip would send them, flagging pages
over 2.5 MB. Benchmarks are not tests: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import importlib
import inspect
import json
import os
import pkgutil
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import types
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "bench"
sys.path.insert(0, str(ROOT))

import hemomodels as hm  # noqa: E402
from hemomodels.cohorts import lognormal_cohort  # noqa: E402
from hemomodels.models.friberg2002 import bolus_concentration  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_cluster import distributed_throughput  # noqa: E402

T_END, N_OUT, RTOL, ATOL = 504.0, 500, 1e-6, 1e-9
COHORT_OMEGA2 = {"MTT": 0.02, "gamma": 0.05, "slope": 0.1}

rows: list[dict] = []


def record(name, ours, reference, unit, target, *, higher_is_better=False, note=""):
    """Store and print one benchmark row; ratio = reference / ours (speed-up)."""
    ratio = reference / ours if reference and ours else None
    row = {
        "benchmark": name,
        "hemomodels": ours,
        "reference": reference,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "note": note,
    }
    rows.append(row)
    ref = f"{reference:10.4g}" if reference is not None else " " * 10
    rat = f"{ratio:7.2f}x" if ratio is not None else " " * 8
    print(f"{name:58s} {ours:10.4g} {ref} {unit:4s} {rat}  target: {target}", flush=True)


def median_time(function, repeats, warmup=5):
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def roadrunner_for(model, doses, rtol, atol):
    import roadrunner

    from hemomodels.sbml import to_sbml

    runner = roadrunner.RoadRunner(to_sbml(model, doses=doses))
    runner.integrator.relative_tolerance = rtol
    runner.integrator.absolute_tolerance = atol
    runner.timeCourseSelections = ["time", *model.state_names]
    return runner


def relative_error(a, b, floor=1e-6):
    scale = np.maximum(np.abs(b), floor * np.max(np.abs(b), axis=-1, keepdims=True))
    return float(np.max(np.abs(a - b) / np.where(scale > 0, scale, 1.0)))


# ------------------------------------------------------------------------ benchmarks
def single_simulation(repeats):
    model = hm.models.friberg2002()
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200))]
    t = np.linspace(0.0, T_END, N_OUT)

    def ours():
        return model.simulate(T_END, doses=doses, t_eval=t, rtol=RTOL, atol=ATOL, backend="scipy")

    runner = roadrunner_for(model, doses, RTOL, ATOL)

    def theirs():
        runner.reset()
        return runner.simulate(0, T_END, N_OUT)

    mine, ref = median_time(ours, repeats), median_time(theirs, repeats)
    record("single simulation, friberg2002 504 h (ms)", mine * 1e3, ref * 1e3, "ms", ">= 2x")


def cohort(n, reference_subset):
    model = hm.models.friberg2002()
    doses = [hm.Dose(0.0, "Conc", bolus_concentration(200))]
    t = np.linspace(0.0, T_END, N_OUT)
    table = lognormal_cohort(model, omega2=COHORT_OMEGA2, n=n, seed=2002)
    model.simulate_many(table.iloc[:10], T_END, doses=doses, t_eval=t)  # warm-up
    start = time.perf_counter()
    result = model.simulate_many(  # the SciPy backend's stacked blocks (compiled: compiled.py)
        table, T_END, doses=doses, t_eval=t, rtol=RTOL, atol=ATOL, backend="scipy"
    )
    mine = time.perf_counter() - start

    runner = roadrunner_for(model, doses, RTOL, ATOL)
    columns = list(table.columns)
    values = table.to_numpy()
    theirs = np.empty((n, len(model.states), N_OUT))
    start = time.perf_counter()
    for i in range(n):
        runner.reset()
        for name, value in zip(columns, values[i], strict=True):
            runner[name] = value
        theirs[i] = runner.simulate(0, T_END, N_OUT)[:, 1:].T
    ref = time.perf_counter() - start
    record(f"cohort of {n} patients (s)", mine, ref, "s", ">= 25x and < 0.3 s")

    # Accuracy on the cell compartments (Conc decays to ~1e-1000 of its start, where only the
    # absolute tolerance matters).
    cells = [model.state_index[c] for c in ("Prol", "Transit1", "Transit2", "Transit3", "Circ")]
    picks = np.linspace(0, n - 1, reference_subset).astype(int)
    ours_error = theirs_error = 0.0
    for i in picks:
        exact = model.simulate(
            T_END, params=dict(table.iloc[i]), doses=doses, t_eval=t, rtol=1e-10, atol=1e-12
        ).states[cells]
        ours_error = max(ours_error, relative_error(result.states[i][cells], exact))
        theirs_error = max(theirs_error, relative_error(theirs[i][cells], exact))
    record(
        f"  max rel. error of cell counts vs rtol 1e-10, {reference_subset} patients",
        ours_error,
        theirs_error,
        "1",
        "(accuracy, informative)",
        higher_is_better=True,
    )


def explorables():
    """Every public function of hemomodels.explorables.* returning an Explorable, + HSC."""
    import hemomodels.explorables as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"hemomodels.explorables.{info.name}")
        for name in getattr(module, "__all__", []):
            function = getattr(module, name)
            if not inspect.isfunction(function):
                continue
            signature = inspect.signature(function)
            returns = str(signature.return_annotation)
            required = [
                p for p in signature.parameters.values() if p.default is inspect.Parameter.empty
            ]
            if "Explorable" in returns and not required:
                found[f"{info.name}.{name}"] = function

    return found


def widget_latency(repeats):
    """Slider move -> chart, description and table redrawn, in-kernel, as the live view does it.

    Times :meth:`hemomodels.widgets.live.LiveView.move` under an IPython shell, so the chart's
    display bundle is built as in Jupyter (its text is discarded; the front end then draws it).
    """
    import contextlib
    import io

    from IPython.core.interactiveshell import InteractiveShell

    from hemomodels.widgets.live import LiveView

    InteractiveShell.instance()

    medians = []
    for label, build in explorables().items():
        with contextlib.redirect_stdout(io.StringIO()):
            live = LiveView(build())  # the first display builds the chart and the grid
            times = []
            for k in range(repeats):
                index = k % len(live.spec.controls)
                control = live.spec.controls[index]
                position = (live.positions[index] + 1) % len(control.texts)
                start = time.perf_counter()
                live.move(index, position)
                times.append(time.perf_counter() - start)
        medians.append(statistics.median(times) * 1e3)
        record(f"widget update: {label} (ms)", medians[-1], None, "ms", "median <= 30 ms")
    record(
        "widget update: median over explorables (ms)",
        statistics.median(medians),
        None,
        "ms",
        "<= 30 ms",
    )


def import_time(repeats):
    def run(code):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    bare, package = run("pass"), run("import hemomodels")
    record(
        "import hemomodels, fresh interpreter (s)",
        package,
        bare,
        "s",
        "<= 0.5 s",
        note="reference: python -c pass",
    )
    record("  import hemomodels minus interpreter start-up (s)", package - bare, None, "s", "")


def book_build():
    scratch = Path(tempfile.mkdtemp(prefix="hemomodels-bench-book-"))
    skip = {".venv", "_build", ".git", "build", ".pytest_cache", ".ruff_cache"}
    with tempfile.TemporaryFile() as buffer:
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for item in ROOT.iterdir():
                if item.name not in skip and not item.name.endswith(".egg-info"):
                    archive.add(item, arcname=item.name)
        buffer.seek(0)
        with tarfile.open(fileobj=buffer) as archive:
            archive.extractall(scratch, filter="data")
    environment = {**os.environ, "PYTHONPATH": str(scratch)}  # the copy's package
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    jupyter_book = shutil.which("jupyter-book", path=environment["PATH"])
    timings = []
    for _ in ("full", "cached"):
        start = time.perf_counter()
        done = subprocess.run(
            [jupyter_book, "build", ".", "--all"],
            cwd=scratch,
            env=environment,
            capture_output=True,
            text=True,
        )
        timings.append(time.perf_counter() - start)
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])
    shutil.rmtree(scratch, ignore_errors=True)
    record(
        "book build, full (s)",
        timings[0],
        None,
        "s",
        "<= 90 s",
        note="jupyter-book build . --all in a scratch copy",
    )
    record("book build, cached rebuild (s)", timings[1], None, "s", "<= 15 s")


PAGE_WEIGHT_TARGET_MB = 2.5


def page_weights() -> None:
    """Bytes each page of the built book loads: its HTML and every resource it requests (scripts,
    styles, fonts, images) while it loads and draws its maths and charts, in headless Chromium
    from a local HTTP server. Raw bytes are what a server without compression (or file://)
    sends; gzip (level 6) is what a compressing web server would send."""
    html = ROOT / "_build" / "html"
    if not (html / "index.html").is_file():
        print("page weight: no built book in _build/html (run `make book`); skipped")
        return
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from book_pages import toc_docnames

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    squeezed: dict[Path, int] = {}

    def gzip_size(path: Path) -> int:
        if path not in squeezed:
            squeezed[path] = len(gzip.compress(path.read_bytes(), compresslevel=6))
        return squeezed[path]

    print(f"\n{'page weight':40s} {'raw MB':>8s} {'gzip MB':>8s} {'files':>6s}  largest")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for docname in toc_docnames():
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                urls: list[str] = []
                page.on("request", lambda request, urls=urls: urls.append(request.url))
                page.goto(f"{origin}/{docname}.html", wait_until="networkidle", timeout=60_000)
                page.wait_for_timeout(1000)  # fonts and lazily loaded MathJax parts
                context.close()
                files = {
                    html / unquote(urlsplit(url).path).lstrip("/")
                    for url in urls
                    if url.startswith(origin)
                }
                files = {path for path in files if path.is_file()}
                raw = sum(path.stat().st_size for path in files)
                packed = sum(gzip_size(path) for path in files)
                largest = max(files, key=lambda path: path.stat().st_size)
                over = raw / 1e6 > PAGE_WEIGHT_TARGET_MB
                flag = f"  OVER {PAGE_WEIGHT_TARGET_MB} MB" if over else ""
                print(
                    f"{docname:40s} {raw / 1e6:8.2f} {packed / 1e6:8.2f} {len(files):6d}  "
                    f"{largest.relative_to(html)} ({largest.stat().st_size / 1e6:.2f} MB){flag}"
                )
                rows.append(
                    {
                        "benchmark": f"page weight: {docname} (MB)",
                        "hemomodels": raw / 1e6,
                        "reference": None,
                        "unit": "MB",
                        "ratio": None,
                        "target": f"<= {PAGE_WEIGHT_TARGET_MB} MB",
                        "note": f"gzip {packed / 1e6:.2f} MB; {len(files)} files"
                        + ("; over the target" if over else ""),
                    }
                )
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------- output
def write_outputs():
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "hemomodels": hm.__version__,
    }
    try:
        import roadrunner

        meta["libroadrunner"] = roadrunner.__version__
    except Exception:
        pass
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame([r for r in rows if r["ratio"] is not None and r["unit"] != "1"])
    if frame.empty:
        return
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("benchmark:N", sort=None, title=None),
            x=alt.X(
                "ratio:Q",
                scale=alt.Scale(type="log"),
                title="reference time / hemomodels time (> 1: hemomodels faster)",
            ),
            tooltip=["benchmark", "hemomodels", "reference", "ratio", "target"],
        )
        .properties(width=420, title="hemomodels vs libroadrunner")
    )
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="black").encode(x="x:Q")
    layered = alt.layer(chart, rule)
    (OUT / "ratios.vl.json").write_text(json.dumps(layered.to_dict(), indent=2))
    layered.save(str(OUT / "ratios.html"), inline=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 1,000 patients")
    parser.add_argument("--skip-book", action="store_true", help="skip the book build timing")
    parser.add_argument(
        "--skip-pages", action="store_true", help="skip weighing the built book's pages"
    )
    parser.add_argument(
        "--skip-compiled", action="store_true", help="skip the compiled backend's benchmarks"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{'benchmark':58s} {'hemomodels':>10s} {'reference':>10s} unit   ratio")
    single_simulation(50 if args.quick else 300)
    cohort(1000 if args.quick else 10_000, 5 if args.quick else 20)
    distributed_throughput(record, 10_000 if args.quick else 100_000, omega2=COHORT_OMEGA2)
    widget_latency(6 if args.quick else 12)
    if not args.skip_compiled:
        import compiled  # bench/compiled.py, beside this script

        # this script's settings and helpers, passed by name (Dask's worker start-up can
        # replace sys.modules["__main__"], so the module is not looked up there)
        shared = types.SimpleNamespace(
            record=record,
            median_time=median_time,
            roadrunner_for=roadrunner_for,
            relative_error=relative_error,
            T_END=T_END,
            N_OUT=N_OUT,
            RTOL=RTOL,
            ATOL=ATOL,
            COHORT_OMEGA2=COHORT_OMEGA2,
        )
        compiled.run_all(shared, args.quick)
    import_time(3 if args.quick else 7)
    if not args.skip_book:
        book_build()
    if not args.skip_pages:
        page_weights()
    write_outputs()
    print(
        f"\nwrote {OUT / 'results.json'} and {OUT / 'ratios.html'} "
        f"({time.perf_counter() - started:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
