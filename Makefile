# Stem Cells to Blood: build the book and run the tests in a local virtual environment.
#   make book   create .venv if needed, install gfortran (to build numbalsoda), the requirements
#               and Graphviz, build _build/html strictly
#   make book-assignments  the same book without solutions, in _build/assignments/_build/html
#   make test   make lint, make book, make sure Chromium is installed, run pytest
#   make lint   ruff check + ruff format --check + mypy hemomodels + lint-imports (layers)
#   make bench  benchmarks against libroadrunner and the speed targets (bench/run.py)
#   make figures  redraw the book's biology and package figures (book/figures/*.svg, committed)
#   make clean  remove build output and caches (keeps .venv); make distclean also removes .venv

ifndef PYTHON
PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3)
endif
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HTML := _build/html

# Strict build: every Sphinx warning (including nitpicky missing references) is an error;
# --keep-going reports all of them before failing; --all re-reads every page so warnings from
# unchanged pages are not hidden by Sphinx's incremental build. A failing notebook cell fails
# the build through `execute: raise_on_error` in _config.yml. tests/test_book.py reads these
# flags with `make print-build-flags`, so this line is the single source of truth.
BUILD_FLAGS := --all --warningiserror --nitpick --keep-going

# Executed notebooks are cached in _build/.jupyter_cache, keyed by their code. The cache is
# wiped whenever a file under hemomodels/ or the installed requirements change (after deleting
# a module without touching any other file, run `make clean`).
EXEC_CACHE := _build/.jupyter_cache
EXEC_CACHE_STAMP := _build/.jupyter_cache.stamp
PACKAGE_FILES := $(shell find hemomodels -type f -not -path '*/__pycache__/*' 2>/dev/null)

# Run everything with the virtual environment first on PATH (the notebook kernel is `python`).
export PATH := $(abspath $(BIN)):$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: book book-assignments test lint bench figures clean distclean venv chromium graphviz gfortran print-build-flags

book: $(INSTALLED) $(EXEC_CACHE_STAMP) graphviz
	jupyter-book build . $(BUILD_FLAGS)
	@echo "Book built: $(abspath $(HTML)/index.html)"

# The book for assignments: every {solution} left out of the pages (sphinx-exercise's
# hide_solutions) and of the downloadable .md and .ipynb (book/_ext/reader_site.py). Built from
# scratch each time, with its own execution cache, next to the full book.
ASSIGNMENTS := _build/assignments
book-assignments: $(INSTALLED) graphviz
	rm -rf $(ASSIGNMENTS)
	BOOK_HIDE_SOLUTIONS=1 jupyter-book build . --path-output $(ASSIGNMENTS) $(BUILD_FLAGS)
	@echo "Assignments built: $(abspath $(ASSIGNMENTS))/_build/html/index.html"

test: lint book chromium graphviz
	python -m pytest

# Benchmarks are not tests: they print figures and ratios and write _build/bench/.
bench: $(INSTALLED)
	python bench/run.py

# The biology and package figures are drawn by book/figures/src/build.py and committed as SVG;
# the book build only copies them (tests/test_figures.py checks they match their source).
figures: $(INSTALLED)
	python book/figures/src/build.py

# Lint and type-check: ruff (rules and formatting), mypy on the package and import-linter's
# layer contracts (settings in pyproject.toml).
lint: $(INSTALLED)
	ruff check hemomodels tests bench book/_ext book/figures/src
	ruff format --check hemomodels tests bench book/_ext book/figures/src
	mypy hemomodels
	lint-imports

venv: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the requirements change. requirements.txt is the reader's (Binder's)
# environment; requirements-dev.txt adds the book build, test and lint tools. The package
# itself is installed editable, so edits to hemomodels/ need no re-install (Binder installs it
# from the ".[charts,widgets]" line of requirements.txt).
$(INSTALLED): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python gfortran
	python -m pip install --disable-pip-version-check -r requirements-dev.txt
	python -m pip install --disable-pip-version-check --no-deps -e .
	touch $@

$(EXEC_CACHE_STAMP): $(INSTALLED) $(PACKAGE_FILES)
	rm -rf $(EXEC_CACHE)
	mkdir -p $(dir $@)
	touch $@

# Headless Chromium for the browser tests (Debian package; run as root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		apt-get update && apt-get install -y chromium; \
	fi

# Graphviz's `dot` draws the model diagrams (Model.diagram) in the chapters and the tests
# (Debian package; run as root). Binder installs it from apt.txt.
graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
		apt-get update && apt-get install -y graphviz; \
	fi

# numbalsoda (the compiled backend, hemomodels[fast]) has no wheels: pip builds it from source
# with gfortran and cmake (Debian packages; run as root).
gfortran:
	@if ! command -v gfortran >/dev/null 2>&1 || ! command -v cmake >/dev/null 2>&1; then \
		apt-get update && apt-get install -y gfortran cmake; \
	fi

print-build-flags:
	@echo $(BUILD_FLAGS)

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis *.egg-info build
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
