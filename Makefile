# L2C CRM — every target sets up what it needs (idempotent, and quick once done).
#   make run     migrate, create the admin, serve API + SPA on http://127.0.0.1:8000, run the worker
#   make test    backend tests, frontend unit tests, end-to-end tests against the real app
# `make help` lists the rest.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON3 ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python

# Stamps are keyed on the content of the dependency manifests: a changed pyproject.toml or
# package-lock.json reinstalls; anything else (a checkout touching mtimes) does not.
hash = $(shell cat $(1) 2>/dev/null | sha1sum | cut -c1-12)
PY_STAMP := $(VENV)/.installed-$(call hash,pyproject.toml)

HAS_FRONTEND := $(wildcard frontend/package.json)
NPM_STAMP    := frontend/node_modules/.installed-$(call hash,frontend/package.json frontend/package-lock.json)
FRONTEND_SRC := $(shell find frontend/src frontend/public frontend/index.html frontend/package.json \
                  frontend/vite.config.ts frontend/tsconfig*.json -type f 2>/dev/null)
HAS_E2E      := $(wildcard frontend/e2e)

SCALE             ?= 0.01
E2E_PORT          ?= 8765
E2E_ADMIN_PASSWORD ?= E2e-Admin-Passw0rd!

.PHONY: help venv frontend frontend-deps migrate run demo test test-backend test-frontend test-e2e \
        lint openapi bench worker-check clean distclean

help:
	@echo "make run           migrate, bootstrap the admin, serve API + SPA (127.0.0.1:8000) and the worker"
	@echo "                   (CRM_DEMO=1 loads demo data; CRM_HOST / CRM_PORT / CRM_WORKERS)"
	@echo "make test          backend pytest, frontend unit tests, end-to-end tests (E2E=0 skips e2e)"
	@echo "make lint          ruff check, ruff format --check, mypy, frontend lint"
	@echo "make openapi       regenerate openapi/openapi.json and the SPA's API types"
	@echo "make migrate       alembic upgrade head on the resolved database"
	@echo "make demo          load the demo data set into the resolved database"
	@echo "make bench         benchmark (SCALE=$(SCALE))"
	@echo "make worker-check  arq health check of a running worker"
	@echo "make venv | frontend | clean | distclean"

# --- set-up -----------------------------------------------------------------------------------

venv: $(PY_STAMP)

$(PY_STAMP):
	@$(PY) -m pip --version >/dev/null 2>&1 || { echo "creating $(VENV) with $$($(PYTHON3) --version)"; \
	  rm -rf $(VENV); $(PYTHON3) -m venv $(VENV); }
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

frontend-deps: $(if $(HAS_FRONTEND),$(NPM_STAMP))

# node_modules that already satisfy package.json (npm ls) are kept: npm ci would wipe them
$(NPM_STAMP):
	@cd frontend && if [ -d node_modules ] && npm ls --depth=0 >/dev/null 2>&1; then \
	  echo "frontend/node_modules matches package.json"; \
	elif [ -f package-lock.json ]; then echo "npm ci"; npm ci --no-audit --no-fund || { \
	  echo "WARNING: npm ci failed (package-lock.json out of sync with package.json?);" \
	       "falling back to npm install --no-save (the lock file is left as it is)"; \
	  npm install --no-save --no-audit --no-fund; }; \
	else echo "npm install"; npm install --no-audit --no-fund; fi
	@rm -f frontend/node_modules/.installed-*
	@touch $@

ifneq ($(HAS_FRONTEND),)
frontend: frontend/dist/index.html

frontend/dist/index.html: $(NPM_STAMP) $(FRONTEND_SRC)
	cd frontend && npm run build
	@touch $@
else
frontend:
	@echo "frontend/package.json not found: no SPA to build"
endif

# --- running ----------------------------------------------------------------------------------

run: venv frontend
	$(PY) -m scripts.run

migrate: venv
	$(PY) -m scripts.run migrate

demo: venv
	$(PY) -m scripts.demo

worker-check: venv
	@eval "$$($(PY) -m scripts.run env)" && $(BIN)/arq worker.settings.WorkerSettings --check \
	  && echo "worker healthy" || { echo "no healthy worker (health key missing or stale)"; exit 1; }

bench: venv
	$(PY) -m bench --scale $(SCALE) $(BENCH_ARGS)

# --- checks -----------------------------------------------------------------------------------

# Each stage runs even if an earlier one failed (e2e needs the SPA build); fails if any did.
test: venv
	@started=$$(date +%s); status=0; results=(); \
	stage() { local name=$$1; shift; local t=$$(date +%s); \
	  echo; echo "==> $$name"; \
	  if "$$@"; then results+=("$$name: ok ($$(( $$(date +%s) - t ))s)"); \
	  else results+=("$$name: FAILED ($$(( $$(date +%s) - t ))s)"); status=1; return 1; fi; }; \
	stage "backend (pytest)" $(MAKE) test-backend || true; \
	if [ -n "$(HAS_FRONTEND)" ]; then \
	  stage "frontend unit (npm test)" $(MAKE) test-frontend || true; \
	  if ! stage "frontend build (npm run build)" $(MAKE) frontend; then results+=("end-to-end: skipped (no SPA build)"); \
	  elif [ -z "$(HAS_E2E)" ] || [ "$${E2E:-1}" = "0" ]; then results+=("end-to-end: skipped"); \
	  else stage "end-to-end (npm run e2e)" $(MAKE) test-e2e || true; fi; \
	fi; \
	echo; echo "==> summary ($$(( $$(date +%s) - started ))s)"; printf '    %s\n' "$${results[@]}"; \
	exit $$status

test-backend: venv
	$(PY) -m pytest $(PYTEST_ARGS)

test-frontend: frontend-deps
	cd frontend && CI=true npm test

# The real app (uvicorn + worker) on 127.0.0.1:$(E2E_PORT) against a fresh crm_e2e database on
# the test server, admin password $(E2E_ADMIN_PASSWORD); stopped when the scenarios finish.
test-e2e: venv frontend
	CRM_ADMIN_PASSWORD='$(E2E_ADMIN_PASSWORD)' CRM_LOG_LEVEL=WARNING \
	  $(PY) -m scripts.run e2e --port $(E2E_PORT) -- npm --prefix frontend run e2e

lint: venv frontend-deps
	@status=0; \
	echo "==> ruff check";          $(BIN)/ruff check . || status=1; \
	echo "==> ruff format --check"; $(BIN)/ruff format --check --output-format concise . || status=1; \
	echo "==> mypy";                $(BIN)/mypy || status=1; \
	if [ -n "$(HAS_FRONTEND)" ]; then echo "==> frontend lint"; (cd frontend && npm run lint) || status=1; fi; \
	exit $$status

openapi: venv $(if $(HAS_FRONTEND),frontend-deps)
	$(PY) -m scripts.export_openapi
	$(if $(HAS_FRONTEND),cd frontend && npm run gen:api)

# --- housekeeping -----------------------------------------------------------------------------

clean:
	rm -rf frontend/dist frontend/e2e/artifacts frontend/test-results .mypy_cache .ruff_cache .pytest_cache \
	  build *.egg-info
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './frontend/node_modules/*' -prune \
	  -exec rm -rf {} +

# also the installed dependencies; .data (embedded PostgreSQL/Redis) is kept: stop those servers
# before removing it by hand
distclean: clean
	rm -rf $(VENV) frontend/node_modules
