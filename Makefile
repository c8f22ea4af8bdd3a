# agreement-gen – the two commands a newcomer needs: `make build` and `make test`.
# Everything else (venv, package, LibreOffice and fonts) is installed on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
YEAR   ?=
YEAR_ARG := $(if $(YEAR),--year $(YEAR),)

.DEFAULT_GOAL := build
.PHONY: build test check lint format clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the package definition changes (a second `make build` installs nothing).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

system-deps:
	@scripts/ensure-system-deps.sh

build: $(STAMP) system-deps ## build every district's agreement of the newest (or YEAR=) fiscal year
	$(BIN)/agreement-gen build $(YEAR_ARG)

test: $(STAMP) system-deps ## run the test suite (includes the LibreOffice tests, marked slow)
	$(BIN)/python -m pytest -q

check: $(STAMP) ## validate data and template without writing
	$(BIN)/agreement-gen check $(YEAR_ARG)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf build .pytest_cache .ruff_cache
