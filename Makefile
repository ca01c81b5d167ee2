# Holdout: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml clients/python/pyproject.toml | sha256sum | cut -c1-12)
# some machines set PYTHONDONTWRITEBYTECODE: then every pytest worker and every service
# process the tests start compiles (and pytest re-rewrites) every module again, about half
# of the suite's collection time; the caches are git-ignored
unexport PYTHONDONTWRITEBYTECODE
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Azurite (the Azure Storage emulator the tests start) comes from npm, pinned by package-lock.json
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha256sum | cut -c1-12)
# the web app (web/): its own npm dependencies, built by Vite into web/dist (served by the gateway at /)
WEB_STAMP := web/node_modules/.installed-$(shell cat web/package-lock.json | sha256sum | cut -c1-12)
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)

.PHONY: demo test bench up install lint typecheck lock lock-runtimes config-docs openapi system-deps node-deps runtime clean web web-types screenshots

# the server, then the client package (clients/python) that owns the `holdout` command the server
# plugs into: in this order, replacing an older server install (which had its own script) keeps it
$(STAMP): requirements.lock pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e clients/python
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) system-deps

# bubblewrap and libseccomp (the local sandbox and its seccomp filter) from Debian, and
# chromium for the browser tests (tests/browser.py drives it with playwright)
system-deps:
	@command -v bwrap >/dev/null && /sbin/ldconfig -p | grep -q 'libseccomp\.so\.2 ' && \
		command -v chromium >/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap libseccomp2 chromium; }

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $@

node-deps: $(NODE_STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	rm -f web/node_modules/.installed-* && touch $@

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npx tsc --noEmit && npx vite build --logLevel warn

web: web/dist/index.html

# the web app's API types, from the committed OpenAPI document (commit them)
web-types: install $(WEB_STAMP)
	cd web && npx openapi-typescript ../docs/openapi.json -o src/api/schema.d.ts

# screenshots of the main pages from a real browser run, into docs/screenshots/
screenshots: runtime web
	$(BIN)/python -m tests.web.screenshots docs/screenshots

runtime: install
	$(BIN)/holdout runtime build default

demo: runtime web
	$(BIN)/holdout demo

# options for `holdout up`, e.g. make up ARGS="--port 9000"
ARGS ?=
up: runtime web
	$(BIN)/holdout up $(ARGS)

# TEST_WORKERS=3 spreads the suite over pytest-xdist workers (tests/conftest.py keeps the
# scenarios that start whole platforms to two of them, one at a time): about 21 min instead
# of 45 on 2 cores, but some timing-bound checks still fail under that contention, so the
# default stays one process (0)
TEST_WORKERS ?= 0
test: install node-deps web
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25

bench: runtime web
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy shared services holdout clients/python/holdout_client

# The public API's document (docs/openapi.json, from the gateway's routes) and the Python client
# generated from it (clients/python/holdout_client/generated), and the web app's types; tests fail
# when any of them drifts.
openapi: install $(WEB_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m holdout.openapi
	$(MAKE) web-types

# docs/configuration.md from the settings classes (a test fails when it drifts)
config-docs: install
	$(BIN)/python -m holdout.config_docs

# re-pin every dependency after editing pyproject.toml
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e clients/python -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lockenv

# re-lock every runtime (runtimes/*/requirements.lock and README.md) after editing its requirements.in
lock-runtimes: install
	$(BIN)/holdout runtime lock

clean:
	rm -rf $(VENV) node_modules web/node_modules web/dist .pytest_cache .mypy_cache .ruff_cache
