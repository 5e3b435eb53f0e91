# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck install install-test system-deps clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The demo runs a till and the central server in one process: the base set and the `central` extra.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[central]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

# Debian packages the test suite drives: Chromium for the browser tests.
system-deps:
	@./tools/install-system-deps.sh

demo: install
	$(BIN)/kiosk demo --host $(HOST) --port $(PORT)

# Lint and types first: they take seconds, the tests minutes.
test: install-test lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff's rules and mypy's settings are in pyproject.toml; `ruff check --fix .` and `ruff format .` fix most.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-data .pytest_cache .hypothesis .mypy_cache .ruff_cache

# For maintainers: refresh the message catalogues after changing UI text, then translate the new entries.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -o web/translations/messages.pot .
	$(BIN)/pybabel -q update -i web/translations/messages.pot -d web/translations
	$(BIN)/pybabel -q compile -d web/translations
