# Two commands set everything up on a fresh machine (Python >= 3.11 and make):
#   make serve   -> .venv with the site's packages, stale figures rebuilt, site on 127.0.0.1:8000
#   make test    -> .venv with the test packages too, then the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check
# Set REFERENCE=0 to skip installing torch (the reference implementation of the tests,
# a large download on machines that do not have it). CI always installs it.
REFERENCE ?= 1
comma := ,
TEST_EXTRAS := test$(if $(filter 1,$(REFERENCE)),$(comma)reference)
export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0

.PHONY: serve test test-fast build pdf figures bench lint format clean help

help:
	@echo "make serve   - set up .venv, rebuild stale figures, serve the site on http://127.0.0.1:8000"
	@echo "make test    - set up .venv (with test packages) and run the whole test suite"
	@echo "make test-fast - the inner loop: no browser, no notebooks, no figure rebuild"
	@echo "make build   - build the site into site/ (mkdocs build --strict)"
	@echo "make pdf     - after make build: the book as one PDF per language in site/pdf/"
	@echo "make figures - rebuild every figure (python -m scripts.figures)"
	@echo "make bench   - run the speed benchmarks against torch"
	@echo "make lint    - ruff check and format check"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

# The stamps record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.docs: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[docs]'
	touch $@

$(VENV)/.test-$(REFERENCE): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[$(TEST_EXTRAS)]'
	touch $@ $(VENV)/.docs

# Served at the root of the local address: with the published site_url (which has a path),
# mkdocs serve would put the book under /optimization-for-deep-learning/ instead, and the
# notebooks' install cell would point at the published wheel rather than the local one.
SERVE_ADDR ?= 127.0.0.1:8000
serve: $(VENV)/.docs
	BOOK_SITE_URL=http://$(SERVE_ADDR)/ $(BIN)/mkdocs serve --dev-addr $(SERVE_ADDR)

build: $(VENV)/.docs
	$(BIN)/mkdocs build --strict

# The book as one PDF per language (site/pdf/), printed by Chromium from the site `make build`
# made (scripts/pdf.py; a few minutes, so not part of `make test`). check_chromium.sh also
# brings the Chinese font the PDF needs (WenQuanYi Micro Hei) when it can.
pdf: $(VENV)/.test-$(REFERENCE)
	@test -f site/index.html || { echo "no site/: run make build first"; exit 1; }
	bash scripts/check_chromium.sh
	$(BIN)/python -m scripts.pdf --site site --out site/pdf

figures: $(VENV)/.docs
	$(BIN)/python -m scripts.figures

test: $(VENV)/.test-$(REFERENCE)
	bash scripts/check_chromium.sh
	$(BIN)/python -m pytest --codeblocks tests docs

# The inner loop: the library, the chapters' claims (from the stored experiments), the page code
# (English; the Chinese blocks are the same code) and the page checks that need no browser.
test-fast: $(VENV)/.test-$(REFERENCE)
	$(BIN)/python -m pytest --codeblocks tests docs/en -m "not browser and not notebook" \
		--deselect tests/site/test_figures.py::test_figures_rebuild_byte_identical

bench: $(VENV)/.test-1
	$(BIN)/python scripts/bench_optimizers.py
	$(BIN)/python scripts/bench_training.py

lint: $(VENV)/.test-$(REFERENCE)
	$(BIN)/ruff check optimizers scripts tests
	$(BIN)/ruff format --check optimizers scripts tests

format: $(VENV)/.test-$(REFERENCE)
	$(BIN)/ruff check --fix optimizers scripts tests
	$(BIN)/ruff format optimizers scripts tests

clean:
	rm -rf site .cache docs/figures
