# Every target installs what it needs into .venv first, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test check bench bench-quick ci clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the whole service on the embedded SQLite default with a demo, at http://127.0.0.1:8000
	$(PY) -m bratasena.cli serve --demo

$(AXE): package.json package-lock.json  ## axe-core for the browser tests, as pinned (npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

test: $(STAMP) $(AXE)  ## the test suite (PostgreSQL tests run when the local server answers)
	$(PY) -m pytest

check: $(STAMP)  ## formatting, lint and types
	$(VENV)/bin/ruff format --check bratasena tests bench
	$(VENV)/bin/ruff check bratasena tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)  ## every benchmark at full size (minutes); results go to docs/benchmarks.md by hand
	for b in bench/*.py; do $(PY) $$b || exit 1; done

bench-quick: $(STAMP)  ## every benchmark at tiny sizes, so they never rot
	for b in bench/*.py; do $(PY) $$b --quick || exit 1; done

ci: check test

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache node_modules
