# Huế IOC — two commands do all the set-up on a fresh machine:
#   make run   — create .venv, install, serve on the embedded store with a scenario playing
#   make test  — install what the tests need (the vision extra, system packages too, as root),
#                lint (ruff over Python, ESLint over static/) and run pytest
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PORT ?= 8888
SPEED ?= 300
PYTEST_ARGS ?=

.PHONY: run test lint system-deps bench screenshots clean

$(VENV)/.run-installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

# The tests run the camera workers too, so they install the heavy vision extra (torch, ultralytics,
# OpenCV; see README "Cameras with AI"); `make run` stays light.
$(VENV)/.test-installed: $(VENV)/.run-installed
	$(PIP) install -e '.[test,vision]'
	touch $@

run: $(VENV)/.run-installed
	$(VENV)/bin/ioc serve --port $(PORT) --demo --speed $(SPEED)

system-deps:
	sh .ci/setup-system.sh

# ESLint for the pages' JavaScript, from npm (package-lock.json pins it), and oidc-provider, the
# OpenID provider the sign-on tests run (tests/oidc/provider.mjs).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.test-installed node_modules/.installed
	$(VENV)/bin/ruff check .
	node_modules/.bin/eslint static tests/oidc

test: system-deps lint
	$(PY) -m pytest $(PYTEST_ARGS)

$(VENV)/.bench-installed: $(VENV)/.test-installed
	$(PIP) install -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed system-deps
	$(PY) -m bench

screenshots: $(VENV)/.test-installed system-deps
	$(PY) -m tools.screenshots

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts node_modules
