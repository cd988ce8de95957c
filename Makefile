# ganbook: two commands from a fresh clone, `make book` and `make test`.
# Everything runs through .venv/bin/..., so no activated shell is needed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
JUPYTER := $(VENV)/bin/jupyter
JUPYTEXT := $(VENV)/bin/jupytext
JB      := $(VENV)/bin/jupyter-book
# The interpreter that creates .venv (the book is made with Python 3.11).
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
# Marks a finished install; redone when pyproject.toml changes.
STAMP   := $(VENV)/.ganbook-installed

# Real data: ../shared/data beside the clone, unless GANBOOK_DATA is already set.
SHARED_DATA := $(abspath ../shared/data)
ifeq ($(origin GANBOOK_DATA),undefined)
  ifneq ($(wildcard $(SHARED_DATA)),)
    export GANBOOK_DATA := $(SHARED_DATA)
  endif
endif

# Chapters in reading order, from _toc.yml (root first).
TOC_NOTEBOOKS := $(shell awk '$$1 == "root:" || $$1 == "file:" || ($$1 == "-" && $$2 == "file:") {print $$NF}' _toc.yml)
NB ?= $(addsuffix .ipynb,$(TOC_NOTEBOOKS))
# Seconds one cell may run: per cell, not per notebook (nbval in quick mode, nbconvert in full).
QUICK_CELL_TIMEOUT ?= 600
FULL_CELL_TIMEOUT  ?= 86400

.PHONY: help venv .venv test unit nbval book lab reproduce bench faults clean

help:
	@echo "make book       build the HTML site into _build/html/ (stored outputs, no execution)"
	@echo "make test       unit tests + every notebook re-run in quick mode under nbval"
	@echo "make test-browser  JupyterLab widgets and the built site in headless Chromium (tests/browser)"
	@echo "make lab        JupyterLab on the notebooks"
	@echo "make reproduce  re-run every chapter in full mode, store its outputs (NB=notebooks/x.ipynb for one)"
	@echo "make bench      timing benchmarks (bench/bench.py)"
	@echo "make faults     kill -9 training at KILLS=24 moments; resumed runs must equal the uninterrupted one"
	@echo "make venv       only create .venv and install"
	@echo "make clean      remove _build/ and caches (keeps .venv and runs/)"

venv .venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[book,test]'
	@touch $@

test: unit nbval

unit: $(STAMP)
	GANBOOK_MODE=quick $(PY) -m pytest -rs tests

# Exit code 5 (nothing collected) is accepted only if no notebook has a code cell to run.
nbval: $(STAMP)
	@rc=0; GANBOOK_MODE=quick $(PY) -m pytest --nbval-lax --nbval-current-env \
	    --nbval-cell-timeout=$(QUICK_CELL_TIMEOUT) notebooks/ || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  if $(PY) -c 'import glob, json, sys; sys.exit(any(c["cell_type"] == "code" and "".join(c["source"]).strip() for f in glob.glob("notebooks/*.ipynb") for c in json.load(open(f))["cells"]))'; then \
	    echo "nbval: no notebook has code cells yet; nothing to execute"; rc=0; \
	  else echo "nbval: notebooks have code cells but pytest collected none" >&2; fi; \
	fi; exit $$rc

# The widget manager (require.js and @jupyter-widgets/html-manager, versions pinned in
# book-js/package-lock.json) is installed from the npm registry and served by the site
# itself (copied from site-static/widgets/ to _static/widgets/), so pages with saved widget state ask no other host.
WIDGET_JS := site-static/widgets/embed-amd.js
HTML_MANAGER := book-js/node_modules/@jupyter-widgets/html-manager/dist
$(WIDGET_JS): book-js/package.json book-js/package-lock.json book-js/require-config.js
	@command -v npm >/dev/null || { echo "make book needs npm for the site's widget manager: apt-get install -y npm" >&2; exit 1; }
	npm ci --prefix book-js --no-audit --no-fund --ignore-scripts
	rm -rf site-static/widgets.tmp && mkdir -p site-static/widgets.tmp
	cp book-js/node_modules/requirejs/require.js book-js/require-config.js site-static/widgets.tmp/
	cd $(HTML_MANAGER) && cp embed-amd.js *.embed.js *.woff *.woff2 *.ttf *.eot *.svg $(CURDIR)/site-static/widgets.tmp/
	rm -rf site-static/widgets && mv site-static/widgets.tmp site-static/widgets

# anywidget's front end (the 2-D playground's canvas) from the installed Python package, where
# the widget manager looks for a module: <cdn>anywidget@<its semver range>/dist/index.js.
ANYWIDGET_JS := site-static/widgets/.anywidget
$(ANYWIDGET_JS): $(WIDGET_JS) | $(STAMP)
	$(PY) -c 'import anywidget, pathlib, shutil; from anywidget._version import _ANYWIDGET_SEMVER_VERSION as v; \
	  d = pathlib.Path("site-static/widgets") / f"anywidget@{v}" / "dist"; d.mkdir(parents=True, exist_ok=True); \
	  shutil.copy(pathlib.Path(anywidget.__file__).parent / "nbextension" / "index.js", d / "index.js")'
	@touch $@

book: $(STAMP) $(WIDGET_JS) $(ANYWIDGET_JS)
	$(JB) build -W -n --keep-going .
	@echo "site: $(CURDIR)/_build/html/index.html"


# Browser tests (tests/browser): a second command, not part of `make test`. They need Debian's
# Chromium at /usr/bin/chromium (apt-get install -y chromium) and the `browser` extra. The site
# is rebuilt first when it is missing or older than its sources. One overall time bound.
BROWSER_STAMP   := $(VENV)/.ganbook-browser-installed
BOOK_SOURCES    := _toc.yml _config.yml $(wildcard notebooks/*.ipynb)
BROWSER_TIMEOUT ?= 1800
.PHONY: test-browser

$(BROWSER_STAMP): $(STAMP) pyproject.toml
	$(PIP) install -e '.[book,test,browser]'
	@touch $@

_build/html/index.html: $(STAMP) $(BOOK_SOURCES) $(WIDGET_JS) $(ANYWIDGET_JS)
	$(JB) build -W -n --keep-going . || { rm -f $@; exit 1; }
	@touch $@

test-browser: $(BROWSER_STAMP) _build/html/index.html
	GANBOOK_BROWSER_TESTS=1 timeout -k 30 $(BROWSER_TIMEOUT) \
	  $(PY) -m pytest -rs --timeout=420 tests/browser

# Extra options for `make lab`, e.g. LAB_ARGS="--no-browser --port 8890".
LAB_ARGS ?=
lab: $(STAMP)
	$(JUPYTER) lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) notebooks/intro.ipynb

# For each notebook: take edits from its .md, execute in full mode in place, write the .md back.
reproduce: $(STAMP)
	@set -e; for nb in $(basename $(NB)); do \
	  echo "== $$nb.ipynb: full mode"; start=$$(date +%s); \
	  $(JUPYTEXT) --sync $$nb.md; \
	  GANBOOK_MODE=full $(JUPYTER) nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=$(FULL_CELL_TIMEOUT) $$nb.ipynb; \
	  $(JUPYTEXT) --sync $$nb.ipynb; \
	  echo "== $$nb.ipynb: done in $$(( $$(date +%s) - start )) s"; \
	done

bench: $(STAMP)
	$(PY) bench/bench.py
	$(PY) bench/time_to_quality.py
	$(PY) bench/playground_fps.py
	$(PY) bench/pixelcnn_sampling.py

# kill -9 a training at KILLS moments, resume each, compare with an uninterrupted run bit for bit
KILLS ?= 24
faults: $(STAMP)
	$(PY) bench/fault_injection.py --kills $(KILLS)

clean:
	rm -rf _build .pytest_cache .hypothesis site-static book-js/node_modules
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
