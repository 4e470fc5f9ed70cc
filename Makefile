# Micropay: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SIM_PORT ?= 8001

.PHONY: install run test test-fast lint bench clean
.PHONY: test-js lint-js js-install checkout frontend node-verifier-install
.PHONY: frontend dashboard lint-dashboard test-dashboard
.PHONY: install run test test-fast test-unit test-integration test-e2e lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list or the lock changes.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ./sdks/python
	touch $(STAMP)

# The Python SDK (sdks/python, import micropay_sdk) is installed editable beside the service.
$(STAMP): sdks/python/pyproject.toml

install: $(STAMP)

run: install
	$(BIN)/python -m micropay.entrypoints.devserver --host $(HOST) --port $(PORT) --sim-port $(SIM_PORT)

# The suite runs in $(PYTEST_WORKERS) pytest-xdist workers (PYTEST_WORKERS=0: one process). Most of its time is
# spent waiting on servers, subprocesses and timeouts, so two workers overlap that even on two cores;
# ``--dist loadgroup`` keeps each xdist_group (the browser tests, see tests/conftest.py) in one worker.
PYTEST_WORKERS ?= 2
XDIST = -n $(PYTEST_WORKERS) --dist loadgroup

test: install test-dashboard
	@$(MAKE) --no-print-directory test-js
	@$(MAKE) --no-print-directory node-verifier-install
	$(BIN)/python -m pytest -p no:cacheprovider $(XDIST) --cov --cov-report=term:skip-covered -q

test-fast: install
	$(BIN)/python -m pytest -q -x

# The pyramid, one layer at a time (add PYTEST_ARGS='-m "not postgres"' to skip the Postgres tests).
test-unit: install
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/unit tests/fakes $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest -p no:cacheprovider $(XDIST) -q tests/integration tests/cli $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/python -m pytest -p no:cacheprovider $(XDIST) -q tests/e2e tests/browser tests/sdk $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/ruff check sdks/python
	$(BIN)/ruff format --check sdks/python
	$(BIN)/mypy --strict sdks/python/src/micropay_sdk
	@$(MAKE) --no-print-directory lint-js
	@$(MAKE) --no-print-directory lint-dashboard

bench: install
	$(BIN)/python bench/lifecycle.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage micropay.db .micropay

# --- The JavaScript SDKs (sdks/js) and the checkout example (examples/checkout) ---------------------------
# Node.js is needed only to test, lint and rebuild them: the built checkout page is committed inside the
# Python package (src/micropay/entrypoints/http/static/checkout/), so `make run` needs no Node.js.
NPM ?= npm
JS_DIR := sdks/js
JS_STAMP := $(JS_DIR)/node_modules/.micropay-installed
# Prints why and fails under CI=true; prints why and succeeds elsewhere (the recipe line then stops).
NODE_OR_SKIP = if ! command -v node >/dev/null 2>&1 || ! command -v $(NPM) >/dev/null 2>&1; then \
	  if [ "$${CI:-}" = "true" ]; then echo "$@: Node.js (node and npm) is not installed; under CI it must be." >&2; exit 1; fi; \
	  echo "$@: Node.js is not installed, so the JavaScript SDK (sdks/js) was NOT checked. Install Node.js 20.19+ to run it."; \
	  exit 0; \
	fi

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json $(JS_DIR)/packages/js/package.json $(JS_DIR)/packages/react/package.json
	cd $(JS_DIR) && $(NPM) ci --no-audit --no-fund
	touch $@

# The standardwebhooks npm library that tests/integration/webhooks/test_node_verifier.py checks us against.
NODE_VERIFIER_STAMP := tests/node/node_modules/.micropay-installed
$(NODE_VERIFIER_STAMP): tests/node/package.json tests/node/package-lock.json
	cd tests/node && $(NPM) ci --no-audit --no-fund --silent
	touch $@

node-verifier-install:
	@$(NODE_OR_SKIP); $(MAKE) --no-print-directory -s $(NODE_VERIFIER_STAMP)

js-install:
	@$(NODE_OR_SKIP); $(MAKE) --no-print-directory -s $(JS_STAMP)

test-js:
	@$(NODE_OR_SKIP); $(MAKE) --no-print-directory -s $(JS_STAMP) && cd $(JS_DIR) && $(NPM) test && $(NPM) run --silent build && echo "test-js: both packages build with tsc"

lint-js:
	@$(NODE_OR_SKIP); $(MAKE) --no-print-directory -s $(JS_STAMP) && cd $(JS_DIR) && $(NPM) run --silent lint && echo "lint-js: eslint and tsc --noEmit passed (sdks/js, examples/checkout)"

# Rebuilds the checkout page into the package and stamps it with its sources' digest (tests/unit/frontend).
CHECKOUT_INPUTS := examples/checkout sdks/js/packages/js/src sdks/js/packages/js/package.json sdks/js/package-lock.json
checkout:
	@command -v node >/dev/null 2>&1 || { echo "make checkout needs Node.js 20.19+." >&2; exit 1; }
	$(MAKE) --no-print-directory -s $(JS_STAMP)
	cd $(JS_DIR) && $(NPM) run --silent checkout
	$(PYTHON) scripts/frontend_assets.py stamp checkout $(CHECKOUT_INPUTS)


# --- Front ends (ADR 0011): built with Node, committed inside the package, stamped with their sources' digest.
# Without Node.js these targets say so and stop; under CI=true that is a failure.
DASHBOARD_NPM := $(shell command -v npm 2>/dev/null)
DASHBOARD_INPUTS := dashboard/src dashboard/index.html dashboard/package.json dashboard/package-lock.json \
	dashboard/vite.config.ts dashboard/tsconfig.json
API_REFERENCE_INPUTS := dashboard/api-reference dashboard/scripts/copy-api-reference.mjs dashboard/package-lock.json
# A recipe's first words: without npm, say so plainly and stop (a failure under CI=true).
node_guard = if [ -z "$(DASHBOARD_NPM)" ]; then \
	if [ "$$CI" = "true" ]; then echo "Node.js (npm) is not installed: $(1) cannot run, and CI needs it." >&2; exit 1; fi; \
	echo "Node.js (npm) is not installed: skipping $(1)."; exit 0; \
	fi;

# npm ci only when the lockfile is newer than the installed tree (npm writes node_modules/.package-lock.json).
dashboard/node_modules/.package-lock.json: dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund

dashboard:
	@$(call node_guard,the dashboard build) \
	$(MAKE) -s --no-print-directory dashboard/node_modules/.package-lock.json && \
	(cd dashboard && npx tsc --noEmit && npx vite build && node scripts/copy-api-reference.mjs) && \
	$(PYTHON) scripts/frontend_assets.py stamp dashboard $(DASHBOARD_INPUTS) && \
	$(PYTHON) scripts/frontend_assets.py stamp api-reference $(API_REFERENCE_INPUTS)

lint-dashboard:
	@$(call node_guard,the dashboard lint (tsc and eslint)) \
	$(MAKE) -s --no-print-directory dashboard/node_modules/.package-lock.json && \
	cd dashboard && npx tsc --noEmit && npx eslint --max-warnings 0 . && echo "lint-dashboard: tsc --noEmit and eslint passed"

test-dashboard:
	@$(call node_guard,the dashboard component tests) \
	$(MAKE) -s --no-print-directory dashboard/node_modules/.package-lock.json && \
	cd dashboard && npx vitest run

# Every front end shipped in the package.
frontend: checkout dashboard

# Mutation testing of the domain rules (scripts/mutation.py; score and equivalents in docs/testing.md).
# Fails when a mutant that is not listed as equivalent survives. MUTATION_ARGS='-j 2' or 'money msisdn -v'.
.PHONY: mutation
mutation: install
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)
