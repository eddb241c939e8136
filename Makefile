# Keras LSTMs, explained by running them.
#   make book     create .venv if needed, build the HTML book (stored outputs, no execution)
#   make test     create .venv if needed, then every check: lint, types, book build with
#                 warnings as errors, unit tests, nbval over every notebook, browser test
#                 (on TensorFlow), then the unit tests and every notebook on JAX (test-jax)
#                 and on PyTorch (test-torch)
#   make test-jax the unit tests and every notebook on JAX (a part of make test)
#   make jax      every notebook run on JAX: each cell runs, each assertion holds (NB= as below)
#   make unit-jax the unit tests on JAX
#   make test-torch, make torch, make unit-torch  the same on PyTorch (installed on first use)
#   make outputs  re-execute every notebook in place, in the same environment nbval uses
#                 (NB=chapters/stateful for one chapter's notebooks only)
#   make nbval    nbval alone (NB= as above)
#   make nbval-floor  nbval's time against its floor (kernels that only import), in one run
#   make lab      open the notebooks in JupyterLab with that environment

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_STAMP := $(VENV)/.torch-installed# PyTorch, from requirements-torch.txt (see test-torch)
JOBS ?= $(shell nproc)
NB ?= chapters# notebooks (files or folders) for `make outputs` and `make nbval`
OUT ?= $(CURDIR)# `make book` writes the HTML book to $(OUT)/_build/html
MATHJAX := $(VENV)/mathjax/mathjax/tex-chtml.js# _config.yml: html_static_path, mathjax_path

# The controlled environment shared by nbval, `make outputs` and `make lab`.
export PATH := $(BIN):$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export CUDA_VISIBLE_DEVICES := -1
export KERAS_BACKEND := tensorflow
export PYTHONHASHSEED := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1
export MPLBACKEND := agg
export TZ := UTC
export LC_ALL := C.UTF-8
# Where tests/test_browser.py finds the book `make book` built.
export BOOK_HTML := $(abspath $(OUT))/_build/html
export CHROMIUM ?= /usr/bin/chromium
export CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: book test test-jax test-torch outputs lab lint unit nbval nbval-floor browser browser-deps \
  clean jax unit-jax torch unit-torch
.DEFAULT_GOAL := book

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; ok = v == (3, 11) or "$(ANY_PYTHON)"; \
	  sys.exit(0 if ok else f"make needs Python 3.11 (the version the pins are tested with); " \
	  f"{sys.executable} is {v[0]}.{v[1]}. Set PYTHON=python3.11, or ANY_PYTHON=1 to try it.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# MathJax 3.2.2, served from the book's _static/mathjax/ so formulas render offline. Its files
# come from PyPI (django-static-mathjax ships MathJax's own es5 build and needs nothing else),
# pinned in requirements.txt: building the book needs nothing but pip. It lives outside the
# source tree: Jupyter Book would turn every .js file under a _static/ folder of the book
# into a <script> tag on every page.
$(MATHJAX): $(STAMP)
	rm -rf $(VENV)/mathjax
	mkdir -p $(VENV)/mathjax/mathjax
	cd "$$($(BIN)/python -c 'import mathjax, os; print(os.path.dirname(mathjax.__file__))')/static/mathjax/es5" \
	  && cp -r tex-chtml.js a11y adaptors input output sre ui $(VENV)/mathjax/mathjax/

# Headless Chromium and its driver, for tests/test_browser.py: CHROMIUM and CHROMEDRIVER name
# them (default: Debian's paths). Missing on Debian as root, they are installed with apt-get;
# anywhere else, install them yourself (README) and set the two variables.
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -x "$(CHROMEDRIVER)" ]; then \
	  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
	     || [ "$(CHROMIUM)" != /usr/bin/chromium ]; then \
	    echo "the browser test needs Chromium and ChromeDriver: set CHROMIUM and CHROMEDRIVER" \
	         "(now $(CHROMIUM) and $(CHROMEDRIVER)); see README"; exit 1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

book: $(STAMP) $(MATHJAX)
	rm -rf $(OUT)/_build/html
	$(BIN)/jupyter-book build . --all -W -n --keep-going --quiet --path-output $(OUT)
	@echo "The book is at $(abspath $(OUT))/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check lstm_helpers tests tools chapters
	$(BIN)/ruff format --check --extend-exclude '*.md' lstm_helpers tests tools chapters
	$(BIN)/mypy

# Tests about the built book and the install, not about a backend: they run on TensorFlow only.
BOOK_TESTS := test_browser test_search test_fresh_install test_setup_cell

# PyTorch is installed before nbval: the page on PyTorch (chapters/backends/backends_torch)
# runs its checks in a PyTorch process beside the TensorFlow kernel.
test: lint book browser-deps $(TORCH_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env tests chapters
	$(MAKE) --no-print-directory test-jax
	$(MAKE) --no-print-directory test-torch

# Everything again on JAX, but the stored outputs (they are TensorFlow's): the unit tests,
# then every notebook, each cell run and each assertion checked.
test-jax:
	$(MAKE) --no-print-directory unit-jax jax NB=chapters

# The unit tests on JAX; tests marked tensorflow_only are skipped there (tests/conftest.py).
unit-jax: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests \
	  $(foreach t,$(BOOK_TESTS),--ignore tests/$(t).py)

# Every notebook on JAX in a fresh kernel, nothing written back, no output compared; cells
# tagged tensorflow-only are skipped (tools/run_backend.py). Prints the pass's wall time.
jax: $(STAMP) $(TORCH_STAMP)
	$(BIN)/python tools/run_backend.py --backend jax --jobs $(JOBS) $(NB)

# The same on PyTorch (CPU), installed on top of requirements.txt from requirements-torch.txt:
# the unit tests, then every notebook not listed in tools/backend_pending_torch.txt (the ones
# known to fail there, if any).
$(TORCH_STAMP): $(STAMP) requirements-torch.txt
	$(BIN)/python -m pip install --quiet -r requirements-torch.txt
	touch $@

test-torch:
	$(MAKE) --no-print-directory unit-torch torch NB=chapters

unit-torch: $(TORCH_STAMP)
	KERAS_BACKEND=torch $(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests \
	  $(foreach t,$(BOOK_TESTS),--ignore tests/$(t).py)

# Every notebook on PyTorch but those tools/backend_pending_torch.txt lists (ALL=1: those too,
# reported as pending, or as passing when they do).
torch: $(TORCH_STAMP)
	$(BIN)/python tools/run_backend.py --backend torch --jobs $(JOBS) $(if $(ALL),,--skip-pending) $(NB)

outputs: $(STAMP) $(TORCH_STAMP)
	$(BIN)/python tools/execute_notebooks.py --jobs $(JOBS) $(NB)

nbval: $(STAMP) $(TORCH_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env $(NB)

browser: browser-deps
	$(BIN)/python -m pytest -p no:randomly tests/test_browser.py

# nbval's time against its floor (as many notebooks that only start a kernel, import the
# helpers and run one tiny LSTM), measured in one run with the same workers.
nbval-floor: $(STAMP) $(TORCH_STAMP)
	$(BIN)/python tools/nbval_floor.py --jobs $(JOBS)

lab: $(STAMP) $(TORCH_STAMP)
	$(BIN)/jupyter lab chapters

clean:
	rm -rf _build .venv test-artifacts
