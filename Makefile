# agreement-gen – the two commands a newcomer needs: `make build` and `make test`.
# Everything else (venv, package, LibreOffice and fonts) is installed on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
YEAR   ?=
YEAR_ARG := $(if $(YEAR),--year $(YEAR),)

.DEFAULT_GOAL := build
.PHONY: build publish bench test check lint format clean system-deps

$(BIN)/python:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps.sh
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the package definition changes (a second `make build` installs nothing).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

system-deps:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps.sh

build: $(STAMP) system-deps ## build every district's agreement of the newest (or YEAR=) fiscal year
	$(BIN)/agreement-gen build $(YEAR_ARG)

publish: $(STAMP) ## the publication bundle of the signed agreements (after `make build`): build/YEAR/publish/
	$(BIN)/agreement-gen publish $(YEAR_ARG)

test: $(STAMP) system-deps ## run the test suite (includes the LibreOffice and browser tests, marked slow)
	@WITH_BROWSER=1 scripts/ensure-system-deps.sh
	$(BIN)/python -m pytest -q

bench: $(STAMP) system-deps ## benchmark (naive, LibreOffice floor, our build, at scale); writes bench/results.json
	$(BIN)/python bench/run.py

check: $(STAMP) ## validate data and template without writing
	$(BIN)/agreement-gen check $(YEAR_ARG)

# For the editors of the template (docs/redaktion.md).
.PHONY: git-setup schema docs

git-setup: $(STAMP) ## once per clone: `git diff` and `git log -p` show the text of the template (see .gitattributes)
	git config diff.docx.textconv "'$(CURDIR)/$(BIN)/python' -m agreement_gen.textconv"
	git config diff.docx.cachetextconv true
	@echo "git diff now shows .docx files as text"

schema: $(STAMP) ## schema/*.schema.json from the data models, and the schema line of every data file
	$(BIN)/agreement-gen schema

docs: $(STAMP) ## the table of template variables and filters in docs/redaktion.md
	$(BIN)/agreement-gen variables --update docs/redaktion.md

# For everyone who adds a user-facing text (see src/agreement_gen/i18n.py).
.PHONY: translations

translations: $(STAMP) ## new texts into their area's catalog (locale/de/LC_MESSAGES/AREA.po), then compile them
	$(BIN)/python -m agreement_gen.catalogs

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf build .pytest_cache .ruff_cache
