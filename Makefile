# Micropay: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SIM_PORT ?= 8001

.PHONY: install run test test-fast test-unit test-integration test-e2e lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list or the lock changes.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m micropay.entrypoints.devserver --host $(HOST) --port $(PORT) --sim-port $(SIM_PORT)

test: install
	$(BIN)/python -m pytest -p no:cacheprovider --cov --cov-report=term:skip-covered -q

test-fast: install
	$(BIN)/python -m pytest -q -x

# The pyramid, one layer at a time (add PYTEST_ARGS='-m "not postgres"' to skip the Postgres tests).
test-unit: install
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/unit tests/fakes $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/integration tests/cli $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/lifecycle.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage micropay.db .micropay
